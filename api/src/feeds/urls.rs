//! Absolute URLs and stable ids for what feeds and sitemaps point to.

use crate::config::FeedSettings;

/// Builds public URLs from `BARTA_PUBLIC_URL` and the article URL template.
#[derive(Debug, Clone)]
pub struct Urls {
    base: String,
    template: String,
    /// The authority of `tag:` URIs (RFC 4151): the public host.
    authority: String,
}

/// The date part of our `tag:` URIs. Never change it: ids must stay stable.
const TAG_DATE: &str = "2026";

impl Urls {
    pub fn new(settings: &FeedSettings) -> Self {
        let base = settings.public_url.trim_end_matches('/').to_owned();
        let rest = base.split_once("://").map_or(base.as_str(), |(_, r)| r);
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        // Drop the port: tag authorities are DNS names.
        let host = host
            .rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(h, _)| h);
        let authority = if host.is_empty() { "localhost" } else { host }.to_ascii_lowercase();
        Self {
            base,
            template: settings.article_url.clone(),
            authority,
        }
    }

    /// The public base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `path` (starting with `/`) under the public base URL.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An article's public page, from the template.
    pub fn article(&self, id: i64, slug: &str, section_slug: &str) -> String {
        self.template
            .replace("{base}", &self.base)
            .replace("{section}", &encode_segment(section_slug))
            .replace("{slug}", &encode_segment(slug))
            .replace("{id}", &id.to_string())
    }

    /// A section's public page: `{base}/{section}`.
    pub fn section(&self, slug: &str) -> String {
        format!("{}/{}", self.base, encode_segment(slug))
    }

    /// The stable id of an article in every feed (`tag:` URI, RFC 4151):
    /// it survives changes of the URL template, slug or section.
    pub fn article_id(&self, id: i64) -> String {
        format!("tag:{},{TAG_DATE}:article/{id}", self.authority)
    }

    /// The stable id of a feed.
    pub fn feed_id(&self, what: &str) -> String {
        format!("tag:{},{TAG_DATE}:feed/{what}", self.authority)
    }
}

/// Percent-encodes a path segment: everything but RFC 3986 unreserved
/// characters (Bengali slugs become `%E0%A6%…`).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(base: &str, template: &str) -> Urls {
        Urls::new(&FeedSettings {
            public_url: base.into(),
            article_url: template.into(),
            ..FeedSettings::default()
        })
    }

    #[test]
    fn article_urls_follow_the_template_and_encode_bengali() {
        let u = urls("https://news.example.com", "{base}/{section}/{id}");
        assert_eq!(
            u.article(42, "x", "sports"),
            "https://news.example.com/sports/42"
        );
        assert_eq!(
            u.article(7, "x", "খেলা"),
            "https://news.example.com/%E0%A6%96%E0%A7%87%E0%A6%B2%E0%A6%BE/7"
        );
        let u = urls("https://news.example.com", "{base}/news/{slug}-{id}.html");
        assert_eq!(
            u.article(5, "a-b", "s"),
            "https://news.example.com/news/a-b-5.html"
        );
    }

    #[test]
    fn tag_ids_use_the_host_without_port_or_credentials() {
        assert_eq!(
            urls("http://127.0.0.1:8080", "{base}/{id}").article_id(3),
            "tag:127.0.0.1,2026:article/3"
        );
        assert_eq!(
            urls("https://u@News.Example.com/x", "{base}/{id}").feed_id("site"),
            "tag:news.example.com,2026:feed/site"
        );
    }
}
