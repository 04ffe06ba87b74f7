//! Safe HTML: comment text is rendered with nothing but links and line
//! breaks, on REST and GraphQL alike.

use domain::Scope;
use serde_json::json;

use super::{approve, id, post_ok, proxied};
use crate::helpers::TestApp;
use crate::on_both;

on_both!(configure = proxied; xss_payloads_never_reach_a_page_as_markup);

/// Every `<` in comment HTML opens `<br>`, `</a>` or exactly
/// `<a href="http(s)://…" rel="nofollow ugc">`.
fn assert_no_markup_but_links_and_breaks(html: &str, payload: &str) {
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let tail = &rest[i..];
        let ok = if tail.starts_with("<br>") || tail.starts_with("</a>") {
            true
        } else if let Some(end) = tail.find('>') {
            let tag = &tail[..=end];
            let href = tag
                .strip_prefix("<a href=\"")
                .and_then(|t| t.strip_suffix("\" rel=\"nofollow ugc\">"));
            href.is_some_and(|h| {
                (h.starts_with("http://") || h.starts_with("https://")) && !h.contains('"')
            })
        } else {
            false
        };
        assert!(ok, "markup from {payload:?}: {html}");
        rest = &tail[1..];
    }
    // Tags, handlers and script URLs may only survive as visible text.
    let lower = html.to_lowercase();
    for bad in ["<script", "<img", "<svg", "<iframe", "<a href=\"javascript"] {
        assert!(!lower.contains(bad), "{bad} from {payload:?}: {html}");
    }
}

const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "javascript:alert(document.cookie)",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<body onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "https://example.com/\"onmouseover=\"alert(1)",
    "https://example.com/<script>alert(1)</script>",
    "http://x.example/?q=\"><svg/onload=alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<details open ontoggle=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "\u{FF1C}script\u{FF1E}alert(1)\u{FF1C}/script\u{FF1E}",
    "জাভাস্ক্রিপ্ট <script>alert('হ্যাক')</script> দিয়ে আক্রমণ",
    "ভালো লেখা <img src=x onerror=alert('১')> ধন্যবাদ",
    "লিংক: javascript:alert('বাংলা') আর https://example.com/খবর?id=১&x=<b>",
    "<a href=\"https://example.com\" onclick=\"alert(1)\">খবর দেখুন</a>",
    "মন্তব্য\n<script>\nalert('নতুন লাইন')\n</script>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>ক্লিক</text></a></svg>",
];

async fn xss_payloads_never_reach_a_page_as_markup(app: &TestApp) {
    let editor = app.key(Scope::Editor).await;
    let article = app.ids.public[2];
    for (i, payload) in XSS.iter().enumerate() {
        let name = format!("<b>পাঠক {i}</b>");
        let c = post_ok(app, article, &format!("192.0.2.{i}"), &name, payload).await;
        assert_eq!(c["text"], *payload, "stored as given");
        assert_eq!(c["name"], name, "names are text too");
        assert_no_markup_but_links_and_breaks(c["html"].as_str().unwrap(), payload);
        approve(app, &editor, &id(&c)).await;
    }
    let l = app
        .get_json(&format!("/v1/articles/{article}/comments?limit=50"), 200)
        .await;
    let data = l["data"].as_array().unwrap();
    assert_eq!(data.len(), XSS.len());
    let gql = app
        .graphql(
            "query($id: ID!) { article(id: $id) { comments(first: 50) { edges { node { text html } } } } }",
            json!({"id": article.to_string()}),
        )
        .await;
    let edges = gql["data"]["article"]["comments"]["edges"]
        .as_array()
        .unwrap();
    for ((c, payload), edge) in data.iter().zip(XSS).zip(edges) {
        assert_eq!(c["text"], *payload);
        let html = c["html"].as_str().unwrap();
        assert_no_markup_but_links_and_breaks(html, payload);
        assert_eq!(edge["node"]["html"], html, "GraphQL renders the same");
    }
    // Links survive, as nofollow ugc, and line breaks are <br>.
    let linked = data[25]["html"].as_str().unwrap();
    assert!(
        linked.contains("<a href=\"https://example.com/খবর?id=১&amp;x=\" rel=\"nofollow ugc\">"),
        "{linked}"
    );
    assert!(linked.contains("&lt;b&gt;"));
    assert!(
        data[27]["html"]
            .as_str()
            .unwrap()
            .starts_with("মন্তব্য<br>&lt;script&gt;<br>")
    );
}
