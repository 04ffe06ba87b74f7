//! GraphQL value types: leaves of the object graph, made from domain
//! values (status, images, body blocks, corrections, the edition line).

use async_graphql::{Enum, SimpleObject, Union};
use chrono::{DateTime, Utc};
use domain::bangla::Edition;
use domain::{ArticleStatus, Block, Image};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ArticleStatus")]
pub enum StatusGql {
    Draft,
    Scheduled,
    Published,
    Unpublished,
}

impl From<ArticleStatus> for StatusGql {
    fn from(s: ArticleStatus) -> Self {
        match s {
            ArticleStatus::Draft => Self::Draft,
            ArticleStatus::Scheduled => Self::Scheduled,
            ArticleStatus::Published => Self::Published,
            ArticleStatus::Unpublished => Self::Unpublished,
        }
    }
}

/// A picture with its metadata.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Image")]
pub struct ImageGql {
    pub url: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl From<&Image> for ImageGql {
    fn from(i: &Image) -> Self {
        Self {
            url: i.url.clone(),
            alt: i.alt.clone(),
            caption: i.caption.clone(),
            credit: i.credit.clone(),
            width: i.width,
            height: i.height,
        }
    }
}

#[derive(SimpleObject)]
pub struct ParagraphBlock {
    pub text: String,
}

#[derive(SimpleObject)]
pub struct HeadingBlock {
    pub text: String,
    pub level: u8,
}

#[derive(SimpleObject)]
pub struct QuoteBlock {
    pub text: String,
    pub cite: Option<String>,
}

#[derive(SimpleObject)]
pub struct ImageBlock {
    pub image: ImageGql,
}

#[derive(SimpleObject)]
pub struct ListBlock {
    pub ordered: bool,
    pub items: Vec<String>,
}

#[derive(SimpleObject)]
pub struct EmbedBlock {
    pub provider: String,
    pub url: String,
    pub title: Option<String>,
}

/// One block of an article body.
#[derive(Union)]
#[graphql(name = "Block")]
pub enum BlockGql {
    Paragraph(ParagraphBlock),
    Heading(HeadingBlock),
    Quote(QuoteBlock),
    Image(ImageBlock),
    List(ListBlock),
    Embed(EmbedBlock),
}

impl From<&Block> for BlockGql {
    fn from(b: &Block) -> Self {
        match b {
            Block::Paragraph { text } => Self::Paragraph(ParagraphBlock { text: text.clone() }),
            Block::Heading { text, level } => Self::Heading(HeadingBlock {
                text: text.clone(),
                level: *level,
            }),
            Block::Quote { text, cite } => Self::Quote(QuoteBlock {
                text: text.clone(),
                cite: cite.clone(),
            }),
            Block::Image { image } => Self::Image(ImageBlock {
                image: image.into(),
            }),
            Block::List { ordered, items } => Self::List(ListBlock {
                ordered: *ordered,
                items: items.clone(),
            }),
            Block::Embed {
                provider,
                url,
                title,
            } => Self::Embed(EmbedBlock {
                provider: provider.clone(),
                url: url.clone(),
                title: title.clone(),
            }),
        }
    }
}

/// A correction, clarification or update note on an article.
#[derive(SimpleObject)]
pub struct CorrectionGql {
    pub kind: String,
    pub text: String,
    pub at: DateTime<Utc>,
    pub at_bn: String,
}

#[derive(SimpleObject)]
pub struct BanglaDateGql {
    pub day: u32,
    pub month: String,
    pub month_number: u32,
    pub year: i32,
    /// `২৯ কার্তিক ১৪৩১`
    pub text: String,
}

/// The date line of an edition, as printed under the masthead.
#[derive(SimpleObject)]
#[graphql(name = "Edition")]
pub struct EditionGql {
    /// `ঢাকা বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ২৯ কার্তিক ১৪৩১`
    pub line: String,
    pub place: String,
    /// The civil date in Asia/Dhaka (YYYY-MM-DD).
    pub date: String,
    pub weekday: String,
    pub gregorian: String,
    pub bangla: BanglaDateGql,
}

impl From<Edition> for EditionGql {
    fn from(e: Edition) -> Self {
        Self {
            line: e.line,
            place: e.place,
            date: e.date.to_string(),
            weekday: e.weekday.to_owned(),
            gregorian: e.gregorian,
            bangla: BanglaDateGql {
                day: e.bangla.day,
                month: e.bangla.month_name().to_owned(),
                month_number: e.bangla.month,
                year: e.bangla.year,
                text: e.bangla.text(),
            },
        }
    }
}

/// What kind of page an article is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ArticleKind")]
pub enum ArticleKindGql {
    Standard,
    /// A live page whose posts arrive over time.
    Live,
}

/// Whether a live page is still being updated.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "LiveState")]
pub enum LiveStateGql {
    Live,
    Ended,
}

impl From<domain::ArticleKind> for ArticleKindGql {
    fn from(k: domain::ArticleKind) -> Self {
        match k {
            domain::ArticleKind::Standard => Self::Standard,
            domain::ArticleKind::Live => Self::Live,
        }
    }
}

impl From<domain::LiveState> for LiveStateGql {
    fn from(l: domain::LiveState) -> Self {
        match l {
            domain::LiveState::Live => Self::Live,
            domain::LiveState::Ended => Self::Ended,
        }
    }
}
