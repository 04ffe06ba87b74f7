//! RSS 2.0 with the `atom` (self link), `content` (full text) and `dc`
//! (bylines) namespaces, written with quick-xml.

use app::AppError;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::model::{Feed, image_type, rfc822, xml_error};

pub fn render(feed: &Feed) -> Result<Vec<u8>, AppError> {
    write(feed).map_err(xml_error)
}

fn write(feed: &Feed) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("rss")
        .with_attributes([
            ("version", "2.0"),
            ("xmlns:atom", "http://www.w3.org/2005/Atom"),
            ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
        ])
        .write_inner_content(|w| {
            w.create_element("channel").write_inner_content(|w| {
                text(w, "title", &feed.title)?;
                text(w, "link", &feed.home_url)?;
                text(w, "description", &feed.description)?;
                text(w, "language", &feed.language)?;
                text(w, "lastBuildDate", &rfc822(feed.updated))?;
                text(w, "generator", "Barta")?;
                w.create_element("atom:link")
                    .with_attributes([
                        ("href", feed.self_url.as_str()),
                        ("rel", "self"),
                        ("type", "application/rss+xml"),
                    ])
                    .write_empty()?;
                for item in &feed.items {
                    w.create_element("item").write_inner_content(|w| {
                        text(w, "title", &item.title)?;
                        text(w, "link", &item.url)?;
                        w.create_element("guid")
                            .with_attribute(("isPermaLink", "false"))
                            .write_text_content(BytesText::new(&item.id))?;
                        text(w, "pubDate", &rfc822(item.published))?;
                        for author in &item.authors {
                            text(w, "dc:creator", author)?;
                        }
                        if let Some((_, name, url)) = &item.section {
                            w.create_element("category")
                                .with_attribute(("domain", url.as_str()))
                                .write_text_content(BytesText::new(name))?;
                        }
                        for (_, name) in &item.tags {
                            text(w, "category", name)?;
                        }
                        for (scheme, term) in item_labels(item) {
                            w.create_element("category")
                                .with_attribute(("domain", scheme))
                                .write_text_content(BytesText::new(term))?;
                        }
                        text(w, "description", &item.summary)?;
                        if let Some(html) = &item.html {
                            text(w, "content:encoded", html)?;
                        }
                        if let Some(image) = &item.image
                            && let Some(kind) = image_type(&image.url)
                        {
                            // The byte size is unknown; 0 is the convention.
                            w.create_element("enclosure")
                                .with_attributes([
                                    ("url", image.url.as_str()),
                                    ("length", "0"),
                                    ("type", kind),
                                ])
                                .write_empty()?;
                        }
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

/// An item's kind (unless standard) and access (unless free), as
/// (scheme, term) categories.
pub(super) fn item_labels(item: &super::model::Item) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if item.kind != domain::ArticleKind::Standard {
        out.push((super::model::KIND_SCHEME, item.kind.as_str()));
    }
    if item.access != domain::Access::Free {
        out.push((super::model::ACCESS_SCHEME, item.access.as_str()));
    }
    out
}
