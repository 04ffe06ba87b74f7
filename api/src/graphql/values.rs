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

/// A picture with its metadata: an outside URL as given, or an uploaded
/// picture with its renditions.
#[derive(Clone)]
pub struct ImageGql(pub Box<Image>);

impl From<&Image> for ImageGql {
    fn from(i: &Image) -> Self {
        Self(Box::new(i.clone()))
    }
}

/// The format of a rendition.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq)]
pub enum ImageFormat {
    Webp,
    Jpeg,
}

/// One ready-made size of an uploaded picture.
#[derive(SimpleObject, Clone)]
#[graphql(name = "ImageRendition")]
pub struct RenditionGql {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub mime: String,
}

/// Where the eye goes, 0–1 from the top left.
#[derive(SimpleObject, Clone, Copy)]
pub struct FocalPoint {
    pub x: f64,
    pub y: f64,
}

impl From<ImageFormat> for domain::image::OutputFormat {
    fn from(f: ImageFormat) -> Self {
        match f {
            ImageFormat::Webp => Self::WebP,
            ImageFormat::Jpeg => Self::Jpeg,
        }
    }
}

#[async_graphql::Object(name = "Image")]
impl ImageGql {
    /// The picture's URL. For an uploaded picture, `width` (and `height`,
    /// for a crop of 16:9, 4:3, 1:1 or 3:2 around the focal point) picks a
    /// rendition of the allow-list (160 … 2000; the nearest one at least as
    /// wide) in `format` (JPEG by default); an outside URL ignores them.
    async fn url(
        &self,
        width: Option<u32>,
        height: Option<u32>,
        format: Option<ImageFormat>,
    ) -> async_graphql::Result<String> {
        let i = &self.0;
        let (Some(_), Some(w)) = (i.image_id.as_deref(), width) else {
            if height.is_some() && width.is_none() {
                return Err(app::AppError::invalid("height", "goes with a width").into());
            }
            return Ok(i.url.clone());
        };
        let format = domain::image::OutputFormat::from(format.unwrap_or(ImageFormat::Jpeg));
        let Some(h) = height else {
            let near = i.rendition_near(w, format.mime());
            return Ok(near.map_or_else(|| i.url.clone(), |r| r.url.clone()));
        };
        // A crop: the spec must be on the allow-list.
        let spec = domain::image::RenditionSpec::parse(&format!("{w}x{h}.{}", format.extension()))
            .map_err(|e| app::AppError::Invalid(vec![e]))?;
        Ok(i.crop_url(&spec).unwrap_or_else(|| i.url.clone()))
    }

    /// `srcset` of the renditions in `format` (WebP by default), of the
    /// given `widths` (all by default).
    async fn srcset(
        &self,
        widths: Option<Vec<u32>>,
        format: Option<ImageFormat>,
    ) -> Option<String> {
        let mime = domain::image::OutputFormat::from(format.unwrap_or(ImageFormat::Webp)).mime();
        let list: Vec<String> = self
            .0
            .renditions
            .iter()
            .filter(|r| r.mime == mime)
            .filter(|r| widths.as_ref().is_none_or(|w| w.contains(&r.width)))
            .map(|r| format!("{} {}w", r.url, r.width))
            .collect();
        (!list.is_empty()).then(|| list.join(", "))
    }

    /// A `sizes` hint for a picture as wide as the text column.
    async fn sizes(&self) -> Option<&str> {
        self.0.sizes.as_deref()
    }

    async fn renditions(&self) -> Vec<RenditionGql> {
        self.0
            .renditions
            .iter()
            .map(|r| RenditionGql {
                url: r.url.clone(),
                width: r.width,
                height: r.height,
                mime: r.mime.clone(),
            })
            .collect()
    }

    /// The uploaded picture's id (`null` for an outside URL).
    async fn image_id(&self) -> Option<async_graphql::ID> {
        self.0.image_id.clone().map(async_graphql::ID)
    }

    async fn focal_point(&self) -> Option<FocalPoint> {
        self.0.focal_point.map(|f| FocalPoint { x: f.x, y: f.y })
    }

    /// ThumbHash, base64: decode it to paint a blurred preview.
    async fn placeholder(&self) -> Option<&str> {
        self.0.placeholder.as_deref()
    }

    /// `#rrggbb`.
    async fn dominant_color(&self) -> Option<&str> {
        self.0.dominant_color.as_deref()
    }

    async fn alt(&self) -> Option<&str> {
        self.0.alt.as_deref()
    }

    async fn caption(&self) -> Option<&str> {
        self.0.caption.as_deref()
    }

    async fn credit(&self) -> Option<&str> {
        self.0.credit.as_deref()
    }

    async fn width(&self) -> Option<u32> {
        self.0.width
    }

    async fn height(&self) -> Option<u32> {
        self.0.height
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
                image: (&**image).into(),
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

/// The language of display strings (dates, the edition line).
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(name = "Locale")]
pub enum LocaleGql {
    /// Bengali digits and names: `১২ নভেম্বর ২০২৪, ১১:৩১ এএম`.
    #[default]
    Bn,
    /// As the English editions print them: `12 November 2024, 11:31 AM`.
    En,
}

impl From<LocaleGql> for domain::bangla::Locale {
    fn from(l: LocaleGql) -> Self {
        match l {
            LocaleGql::Bn => Self::Bn,
            LocaleGql::En => Self::En,
        }
    }
}

/// The date line of an edition, as printed under the masthead.
#[derive(SimpleObject)]
#[graphql(name = "Edition", complex)]
pub struct EditionGql {
    /// `ঢাকা বৃহস্পতিবার, ১৪ নভেম্বর ২০২৪ | ২৯ কার্তিক ১৪৩১`
    pub line: String,
    /// The English line (`lineLocal(locale: EN)`).
    #[graphql(skip)]
    pub line_en: String,
    pub place: String,
    /// The civil date in Asia/Dhaka (YYYY-MM-DD).
    pub date: String,
    pub weekday: String,
    pub gregorian: String,
    pub bangla: BanglaDateGql,
}

#[async_graphql::ComplexObject]
impl EditionGql {
    /// The line in `locale`: `Dhaka, Thursday 14 November 2024 | 29
    /// Kartik 1431` in English.
    async fn line_local(&self, #[graphql(default)] locale: LocaleGql) -> &str {
        match locale {
            LocaleGql::Bn => &self.line,
            LocaleGql::En => &self.line_en,
        }
    }
}

impl From<Edition> for EditionGql {
    fn from(e: Edition) -> Self {
        Self {
            line_en: e.line_en(&domain::bangla::place_en(&e.place)),
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

/// What kind of piece an article is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ArticleKind", remote = "domain::ArticleKind")]
pub enum ArticleKindGql {
    Standard,
    /// A live page whose posts arrive over time.
    Live,
    Opinion,
    Analysis,
    Explainer,
    Gallery,
    Video,
    Obituary,
    /// Paid content: show it as such (`sponsored` is true).
    Sponsored,
}

/// Who may read an article on the site; the API serves it whole either way.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "Access", remote = "domain::Access")]
pub enum AccessGql {
    Free,
    /// Counts against a reader's free articles.
    Metered,
    /// Subscribers only.
    Subscriber,
}

/// Whether a live page is still being updated.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "LiveState")]
pub enum LiveStateGql {
    Live,
    Ended,
}

impl From<domain::LiveState> for LiveStateGql {
    fn from(l: domain::LiveState) -> Self {
        match l {
            domain::LiveState::Live => Self::Live,
            domain::LiveState::Ended => Self::Ended,
        }
    }
}

/// A `kind:` list argument as the services' comma-separated filter
/// (`None` or empty: every kind).
pub fn kinds_filter(v: Option<Vec<ArticleKindGql>>) -> Option<String> {
    let v = v.filter(|v| !v.is_empty())?;
    Some(
        v.into_iter()
            .map(|k| domain::ArticleKind::from(k).as_str())
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// An `access:` list argument as the services' filter.
pub fn access_filter(v: Option<Vec<AccessGql>>) -> Option<String> {
    let v = v.filter(|v| !v.is_empty())?;
    Some(
        v.into_iter()
            .map(|a| domain::Access::from(a).as_str())
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// Which sections, tags or authors a list keeps: articles with any of
/// `anyOf`, with all of `allOf` (tags and authors), with none of `noneOf`.
/// At most 10 slugs each; `anyOf` and `allOf` do not combine.
#[derive(async_graphql::InputObject, Default)]
pub struct SlugFilter {
    pub any_of: Option<Vec<String>>,
    pub all_of: Option<Vec<String>>,
    pub none_of: Option<Vec<String>>,
}

/// A filter argument as the lists' query syntax: (`a,b` or `a+b`, the
/// negation `c,d`). `single` is the older one-slug argument (`tag:`),
/// which cannot be given with the filter (`tags:`).
pub fn slug_filter(
    name: &str,
    single: Option<String>,
    set: Option<SlugFilter>,
) -> Result<(Option<String>, Option<String>), app::AppError> {
    let Some(set) = set else {
        return Ok((single, None));
    };
    if single.is_some() {
        return Err(app::AppError::invalid(
            name,
            "give the one-slug argument or the filter, not both",
        ));
    }
    let join = |v: Option<Vec<String>>, sep: &str| v.filter(|v| !v.is_empty()).map(|v| v.join(sep));
    let value = match (join(set.any_of, ","), join(set.all_of, "+")) {
        (Some(_), Some(_)) => {
            return Err(app::AppError::invalid(
                name,
                "anyOf and allOf do not combine",
            ));
        }
        (any, all) => any.or(all),
    };
    Ok((value, join(set.none_of, ",")))
}
