//! Article bodies as typed blocks, and their HTML and plain-text renderings.
//!
//! Block text is plain text: it is escaped when rendered, never interpreted
//! as markup, so stored content cannot inject HTML into a reader's page.

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// A picture with the metadata a page needs to show and credit it: an
/// outside URL as given, or an uploaded picture (`imageId`), whose
/// renditions, placeholder and focal point the server fills in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub alt: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub credit: Option<String>,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    /// An uploaded picture (`POST /v1/admin/images`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// The rest is filled in from the uploaded picture (what a client sends
    /// for them is ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focal_point: Option<crate::image::FocalPoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dominant_color: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub decorative: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renditions: Vec<Rendition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub srcset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sizes: Option<String>,
}

/// One ready-made size of an uploaded picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendition {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub mime: String,
}

impl Image {
    /// Checks the URL is absolute http(s) (or that an uploaded picture is
    /// named) and normalises the text fields; drops what only the server
    /// may fill in.
    pub fn validate(mut self, field: &str) -> Result<Self, ValidationError> {
        self.focal_point = None;
        self.placeholder = None;
        self.dominant_color = None;
        self.decorative = false;
        self.renditions = Vec::new();
        self.srcset = None;
        self.sizes = None;
        if let Some(id) = &self.image_id {
            let id = id.trim();
            if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ValidationError::new(
                    format!("{field}.imageId"),
                    "must be the id of an uploaded picture",
                ));
            }
            self.image_id = Some(id.to_owned());
            // The server sets the URL from the picture.
            self.url = String::new();
        } else if !is_http_url(&self.url) {
            return Err(ValidationError::new(
                format!("{field}.url"),
                "must be an absolute http(s) URL",
            ));
        }
        for (name, value) in [
            ("alt", &mut self.alt),
            ("caption", &mut self.caption),
            ("credit", &mut self.credit),
        ] {
            if let Some(v) = value.as_mut() {
                *v = crate::text::clean_text(v, false)
                    .map_err(|e| ValidationError::new(format!("{field}.{name}"), e.to_string()))?;
            }
        }
        Ok(self)
    }
}

/// True for an absolute `http://` or `https://` URL with a host and no
/// whitespace or control characters.
pub fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty()
                && url.len() <= 2048
                && !url.chars().any(|c| {
                    c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>'
                })
        }
        None => false,
    }
}

/// One block of an article body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Block {
    Paragraph {
        text: String,
    },
    Heading {
        text: String,
        #[serde(default = "default_heading_level")]
        level: u8,
    },
    Quote {
        text: String,
        #[serde(default)]
        cite: Option<String>,
    },
    Image {
        image: Box<Image>,
    },
    List {
        #[serde(default)]
        ordered: bool,
        items: Vec<String>,
    },
    Embed {
        provider: String,
        url: String,
        #[serde(default)]
        title: Option<String>,
    },
}

fn default_heading_level() -> u8 {
    2
}

impl Block {
    /// Normalises a block's text to NFC and checks its rules; `index` names
    /// the block in errors (`body[3].text`).
    pub fn validate(self, index: usize) -> Result<Self, ValidationError> {
        let field = |name: &str| format!("body[{index}].{name}");
        let text = |name: &str, s: &str| {
            let t = crate::text::clean_text(s, true)
                .map_err(|e| ValidationError::new(field(name), e.to_string()))?;
            if t.trim().is_empty() {
                return Err(ValidationError::new(field(name), "must not be empty"));
            }
            Ok(t)
        };
        Ok(match self {
            Block::Paragraph { text: t } => Block::Paragraph {
                text: text("text", &t)?,
            },
            Block::Heading { text: t, level } => {
                if !(2..=4).contains(&level) {
                    return Err(ValidationError::new(field("level"), "must be 2, 3 or 4"));
                }
                Block::Heading {
                    text: text("text", &t)?,
                    level,
                }
            }
            Block::Quote { text: t, cite } => Block::Quote {
                text: text("text", &t)?,
                cite: cite.map(|c| text("cite", &c)).transpose()?,
            },
            Block::Image { image } => Block::Image {
                image: Box::new(image.validate(&format!("body[{index}].image"))?),
            },
            Block::List { ordered, items } => {
                if items.is_empty() {
                    return Err(ValidationError::new(field("items"), "must not be empty"));
                }
                let items = items
                    .iter()
                    .map(|i| text("items", i))
                    .collect::<Result<Vec<_>, _>>()?;
                Block::List { ordered, items }
            }
            Block::Embed {
                provider,
                url,
                title,
            } => {
                if !is_http_url(&url) {
                    return Err(ValidationError::new(
                        field("url"),
                        "must be an absolute http(s) URL",
                    ));
                }
                Block::Embed {
                    provider: text("provider", &provider)?,
                    url,
                    title: title.map(|t| text("title", &t)).transpose()?,
                }
            }
        })
    }

    /// The reading text of the block, without markup.
    pub fn plain_text(&self) -> String {
        match self {
            Block::Paragraph { text } | Block::Heading { text, .. } => text.clone(),
            Block::Quote { text, cite } => match cite {
                Some(c) => format!("“{text}” — {c}"),
                None => format!("“{text}”"),
            },
            Block::Image { image } => image.caption.clone().unwrap_or_default(),
            Block::List { items, .. } => items
                .iter()
                .map(|i| format!("• {i}"))
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Embed { title, .. } => title.clone().unwrap_or_default(),
        }
    }

    /// Escaped HTML for the block.
    pub fn to_html(&self) -> String {
        use html_escape::{encode_double_quoted_attribute as attr, encode_text as esc};
        let multiline = |t: &str| esc(t).replace('\n', "<br>");
        match self {
            Block::Paragraph { text } => format!("<p>{}</p>", multiline(text)),
            Block::Heading { text, level } => {
                let l = (*level).clamp(2, 4);
                format!("<h{l}>{}</h{l}>", esc(text))
            }
            Block::Quote { text, cite } => {
                let cite = cite
                    .as_ref()
                    .map(|c| format!("<cite>{}</cite>", esc(c)))
                    .unwrap_or_default();
                format!("<blockquote><p>{}</p>{cite}</blockquote>", multiline(text))
            }
            Block::Image { image } => {
                let mut s = format!("<figure><img src=\"{}\"", attr(&image.url));
                s.push_str(&format!(
                    " alt=\"{}\"",
                    attr(image.alt.as_deref().unwrap_or(""))
                ));
                if let (Some(w), Some(h)) = (image.width, image.height) {
                    s.push_str(&format!(" width=\"{w}\" height=\"{h}\""));
                }
                s.push('>');
                let caption: Vec<String> = [image.caption.as_deref(), image.credit.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(|t| esc(t).into_owned())
                    .collect();
                if !caption.is_empty() {
                    s.push_str(&format!("<figcaption>{}</figcaption>", caption.join(" ")));
                }
                s.push_str("</figure>");
                s
            }
            Block::List { ordered, items } => {
                let tag = if *ordered { "ol" } else { "ul" };
                let lis: String = items
                    .iter()
                    .map(|i| format!("<li>{}</li>", esc(i)))
                    .collect();
                format!("<{tag}>{lis}</{tag}>")
            }
            Block::Embed {
                provider,
                url,
                title,
            } => format!(
                "<figure class=\"embed\" data-provider=\"{}\"><a href=\"{}\">{}</a></figure>",
                attr(provider),
                attr(url),
                esc(title.as_deref().unwrap_or(url))
            ),
        }
    }
}

/// The body as HTML.
pub fn body_html(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(Block::to_html)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The body as plain text, blocks separated by blank lines.
pub fn body_text(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(Block::plain_text)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Splits plain text into paragraph blocks on blank lines (the import format).
pub fn paragraphs_from_text(text: &str) -> Vec<Block> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| Block::Paragraph { text: p.to_owned() })
        .collect()
}

/// Minutes to read `words` words at 200 words a minute (at least one).
pub fn reading_minutes(words: usize) -> u32 {
    u32::try_from(words.div_ceil(200))
        .unwrap_or(u32::MAX)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraph_text_is_escaped_not_interpreted() {
        let b = Block::Paragraph {
            text: "<script>alert('x')</script> & ঢাকা".into(),
        };
        let html = b.to_html();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("ঢাকা"));
    }

    #[test]
    fn blocks_round_trip_through_json_with_type_tags() {
        let json = r#"[{"type":"paragraph","text":"এক"},{"type":"heading","text":"দুই","level":3},
            {"type":"list","ordered":true,"items":["ক","খ"]},
            {"type":"image","image":{"url":"https://x.test/a.jpg","alt":"ছবি"}},
            {"type":"quote","text":"উক্তি","cite":"কেউ"},
            {"type":"embed","provider":"youtube","url":"https://youtube.com/watch?v=1"}]"#;
        let blocks: Vec<Block> = serde_json::from_str(json).unwrap();
        assert_eq!(blocks.len(), 6);
        let again: Vec<Block> =
            serde_json::from_str(&serde_json::to_string(&blocks).unwrap()).unwrap();
        assert_eq!(blocks, again);
        assert!(body_html(&blocks).contains("<ol><li>ক</li><li>খ</li></ol>"));
        assert!(body_text(&blocks).starts_with("এক\n\nদুই"));
    }

    #[test]
    fn validation_names_the_block_and_field() {
        let e = Block::Image {
            image: Box::new(Image {
                url: "javascript:alert(1)".into(),
                alt: None,
                caption: None,
                credit: None,
                width: None,
                height: None,
                ..Default::default()
            }),
        }
        .validate(3)
        .unwrap_err();
        assert_eq!(e.field, "body[3].image.url");
        let e = Block::Heading {
            text: "x".into(),
            level: 9,
        }
        .validate(0)
        .unwrap_err();
        assert_eq!(e.field, "body[0].level");
        let e = Block::Paragraph { text: "  ".into() }
            .validate(1)
            .unwrap_err();
        assert_eq!(e.field, "body[1].text");
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(is_http_url("https://images.example/a.jpg"));
        assert!(is_http_url("http://x.test"));
        for bad in [
            "ftp://x",
            "//x.test/a",
            "https://",
            "https://a b",
            "javascript:alert(1)",
            "https://x\"onerror=1",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }

    #[test]
    fn text_splits_into_paragraphs_and_reading_time_rounds_up() {
        let blocks = paragraphs_from_text("এক\n\n\nদুই\r\n\r\nতিন  ");
        assert_eq!(blocks.len(), 3);
        assert_eq!(reading_minutes(0), 1);
        assert_eq!(reading_minutes(200), 1);
        assert_eq!(reading_minutes(201), 2);
    }
}
