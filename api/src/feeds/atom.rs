//! Atom 1.0 (RFC 4287), written with quick-xml.

use app::AppError;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::model::{Feed, image_type, rfc3339, xml_error};

pub fn render(feed: &Feed) -> Result<Vec<u8>, AppError> {
    write(feed).map_err(xml_error)
}

fn write(feed: &Feed) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("feed")
        .with_attributes([
            ("xmlns", "http://www.w3.org/2005/Atom"),
            ("xml:lang", feed.language.as_str()),
        ])
        .write_inner_content(|w| {
            text(w, "id", &feed.id)?;
            text(w, "title", &feed.title)?;
            text(w, "subtitle", &feed.description)?;
            text(w, "updated", &rfc3339(feed.updated))?;
            link(w, "self", "application/atom+xml", &feed.self_url)?;
            link(w, "alternate", "text/html", &feed.home_url)?;
            // The publication is the author of entries without a byline.
            w.create_element("author").write_inner_content(|w| {
                text(w, "name", &feed.publication)?;
                text(w, "uri", &feed.publication_url)
            })?;
            text(w, "generator", "Barta")?;
            for item in &feed.items {
                w.create_element("entry").write_inner_content(|w| {
                    text(w, "id", &item.id)?;
                    text(w, "title", &item.title)?;
                    text(w, "updated", &rfc3339(item.updated))?;
                    text(w, "published", &rfc3339(item.published))?;
                    link(w, "alternate", "text/html", &item.url)?;
                    // The picture, as RSS's enclosure (RFC 4287 4.2.7.2).
                    if let Some(image) = &item.image
                        && let Some(kind) = image_type(&image.url)
                    {
                        link(w, "enclosure", kind, &image.url)?;
                    }
                    for author in &item.authors {
                        w.create_element("author")
                            .write_inner_content(|w| text(w, "name", author))?;
                    }
                    if let Some((slug, name, url)) = &item.section {
                        w.create_element("category")
                            .with_attributes([
                                ("term", slug.as_str()),
                                ("scheme", url.as_str()),
                                ("label", name.as_str()),
                            ])
                            .write_empty()?;
                    }
                    for (slug, name) in &item.tags {
                        w.create_element("category")
                            .with_attributes([("term", slug.as_str()), ("label", name.as_str())])
                            .write_empty()?;
                    }
                    for (scheme, term) in super::rss::item_labels(item) {
                        let mut category = w
                            .create_element("category")
                            .with_attributes([("term", term), ("scheme", scheme)]);
                        if scheme == super::model::KIND_SCHEME
                            && let Some(label) = item.kind.label_in(&item.language)
                        {
                            category = category.with_attribute(("label", label));
                        }
                        category.write_empty()?;
                    }
                    w.create_element("summary")
                        .with_attribute(("type", "text"))
                        .write_text_content(BytesText::new(&item.summary))?;
                    if let Some(html) = &item.html {
                        w.create_element("content")
                            .with_attribute(("type", "html"))
                            .write_text_content(BytesText::new(html))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn link(w: &mut Writer<Vec<u8>>, rel: &str, kind: &str, href: &str) -> std::io::Result<()> {
    w.create_element("link")
        .with_attributes([("rel", rel), ("type", kind), ("href", href)])
        .write_empty()?;
    Ok(())
}
