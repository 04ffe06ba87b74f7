//! Comment text to HTML: the text is escaped, line breaks become `<br>`,
//! `http(s)` URLs become `rel="nofollow ugc"` links, and the result goes
//! through an `ammonia` sanitiser that allows nothing but `<br>` and
//! `<a href="http(s)://…">`. The escaping alone makes markup impossible; the
//! sanitiser is the second wall, so a bug in the linkifier still cannot
//! let a tag, an event handler or a `javascript:` URL through.
//!
//! Rendering happens on every read, never stored: a stricter sanitiser
//! applies to old comments at once.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The only markup a comment's HTML may contain.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.tags(HashSet::from(["a", "br"]))
        .tag_attributes(HashMap::from([("a", HashSet::from(["href"]))]))
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(["http", "https"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("nofollow ugc"))
        .strip_comments(true);
    b
});

/// The `html` of a comment.
pub fn comment_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        linkify(line, &mut out);
    }
    SANITISER.clean(&out).to_string()
}

/// Characters that end a URL in running text.
fn ends_url(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '<' | '>' | '"' | '\'' | '`' | '।' | '॥' | '\u{200B}'..='\u{200D}'
        )
}

/// Where an `http://` or `https://` URL starts at `i` (ASCII
/// case-insensitive, not glued to a preceding letter or digit).
fn scheme_at(s: &str, i: usize) -> Option<usize> {
    let rest = &s[i..];
    let len = ["https://", "http://"].into_iter().find_map(|p| {
        rest.get(..p.len())
            .filter(|h| h.eq_ignore_ascii_case(p))
            .map(|_| p.len())
    })?;
    let glued = s[..i]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    (!glued).then_some(len)
}

/// Appends `line` escaped, with URLs as links.
fn linkify(line: &str, out: &mut String) {
    let mut text_start = 0;
    let mut i = 0;
    while i < line.len() {
        let Some(scheme_len) = scheme_at(line, i) else {
            i += line[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let end = line[i..]
            .char_indices()
            .find(|&(_, c)| ends_url(c))
            .map_or(line.len(), |(k, _)| i + k);
        let url = trim_trailing_punctuation(&line[i..end]);
        let host = &url[scheme_len..];
        if host.is_empty() || host.starts_with('/') {
            i += scheme_len;
            continue;
        }
        out.push_str(&html_escape::encode_text(&line[text_start..i]));
        out.push_str("<a href=\"");
        out.push_str(&html_escape::encode_double_quoted_attribute(url));
        out.push_str("\">");
        out.push_str(&html_escape::encode_text(url));
        out.push_str("</a>");
        i += url.len();
        text_start = i;
    }
    out.push_str(&html_escape::encode_text(&line[text_start..]));
}

/// Sentence punctuation after a URL is not part of it; a closing bracket is
/// kept only when the URL opened one (`…/Dhaka_(city)`).
fn trim_trailing_punctuation(url: &str) -> &str {
    let mut u = url;
    loop {
        let Some(last) = u.chars().next_back() else {
            return u;
        };
        let strip = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '*' | '“' | '”' | '‘' | '’' => true,
            ')' => u.matches('(').count() < u.matches(')').count(),
            ']' => u.matches('[').count() < u.matches(']').count(),
            '}' => u.matches('{').count() < u.matches('}').count(),
            _ => false,
        };
        if !strip {
            return u;
        }
        u = &u[..u.len() - last.len_utf8()];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_escaped_and_lines_break() {
        assert_eq!(
            comment_html("চমৎকার লেখা।\nধন্যবাদ <b>সম্পাদক</b> & সবাই"),
            "চমৎকার লেখা।<br>ধন্যবাদ &lt;b&gt;সম্পাদক&lt;/b&gt; &amp; সবাই"
        );
        assert_eq!(comment_html("a\n\nb"), "a<br><br>b");
    }

    #[test]
    fn urls_become_nofollow_ugc_links() {
        assert_eq!(
            comment_html("দেখুন https://example.com/খবর?id=1&x=2."),
            "দেখুন <a href=\"https://example.com/খবর?id=1&amp;x=2\" rel=\"nofollow ugc\">https://example.com/খবর?id=1&amp;x=2</a>."
        );
        assert_eq!(
            comment_html("(see HTTP://example.org/a_(b))"),
            "(see <a href=\"HTTP://example.org/a_(b)\" rel=\"nofollow ugc\">HTTP://example.org/a_(b)</a>)"
        );
        assert_eq!(
            comment_html("https://example.com।পরের বাক্য"),
            "<a href=\"https://example.com\" rel=\"nofollow ugc\">https://example.com</a>।পরের বাক্য"
        );
    }

    #[test]
    fn only_http_urls_with_a_host_are_linked() {
        for s in [
            "javascript:alert(1)",
            "ftp://example.com",
            "https://",
            "http:///etc/passwd",
            "xhttps://example.com",
            "data:text/html,<script>alert(1)</script>",
        ] {
            assert!(!comment_html(s).contains("<a"), "{s}");
        }
    }

    #[test]
    fn a_quote_cannot_break_out_of_the_href() {
        let html = comment_html("https://example.com/\"onmouseover=\"alert(1)");
        assert!(html.starts_with("<a href=\"https://example.com/\" rel=\"nofollow ugc\">"));
        assert!(!html.contains(" onmouseover"), "{html}");
    }
}
