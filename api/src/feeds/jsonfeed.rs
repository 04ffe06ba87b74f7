//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>).

use app::AppError;
use serde::Serialize;

use super::model::{Feed, rfc3339};

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
    language: &'a str,
    authors: Vec<Author<'a>>,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    content_text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    language: &'a str,
    /// JSON Feed extension: what kind of piece, whether it is paid
    /// content, and who may read it on the site.
    #[serde(rename = "_barta")]
    barta: Extension,
}

#[derive(Serialize)]
struct Extension {
    about: &'static str,
    kind: &'static str,
    sponsored: bool,
    access: &'static str,
}

pub fn render(feed: &Feed) -> Result<Vec<u8>, AppError> {
    let doc = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: &feed.home_url,
        feed_url: &feed.self_url,
        description: &feed.description,
        next_url: feed.next_url.as_deref(),
        language: &feed.language,
        authors: vec![Author {
            name: &feed.publication,
            url: Some(&feed.publication_url),
        }],
        items: feed
            .items
            .iter()
            .map(|i| Item {
                id: &i.id,
                url: &i.url,
                title: &i.title,
                summary: &i.summary,
                content_html: i.html.as_deref(),
                // Without full text, the summary is the content.
                content_text: i.text.as_deref().unwrap_or(&i.summary),
                image: i.image.as_ref().map(|img| img.url.as_str()),
                date_published: rfc3339(i.published),
                date_modified: rfc3339(i.updated),
                authors: i
                    .authors
                    .iter()
                    .map(|name| Author { name, url: None })
                    .collect(),
                tags: i
                    .section
                    .iter()
                    .map(|(_, name, _)| name.as_str())
                    .chain(i.tags.iter().map(|(_, name)| name.as_str()))
                    .collect(),
                language: &i.language,
                barta: Extension {
                    about: "https://barta.dev/ns/jsonfeed",
                    kind: i.kind.as_str(),
                    sponsored: i.kind.is_sponsored(),
                    access: i.access.as_str(),
                },
            })
            .collect(),
    };
    serde_json::to_vec(&doc).map_err(|e| AppError::Internal(Box::new(e)))
}
