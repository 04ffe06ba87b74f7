//! The browser assets the binary carries, so GraphiQL (`/graphql`) and the
//! API reference (`/docs`) work on a machine with no internet: GraphiQL
//! 4.1.2, React and ReactDOM 18.3.1 (production builds) and Redoc 2.5.2,
//! pinned, from npm, their licences beside them in `api/assets/licenses/`
//! (served under `/assets/licenses/`). Redoc's footer logo, its one request
//! to another host, is replaced by an inline image (`api/assets/README.md`).
//!
//! A file's name carries its version, so an answer is cacheable for a year
//! (`immutable`). Each file is gzipped once, on first request, and the
//! compressed bytes are kept.

use std::io::Write;
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

pub const GRAPHIQL_JS: &str = "/assets/graphiql-4.1.2.min.js";
pub const GRAPHIQL_CSS: &str = "/assets/graphiql-4.1.2.min.css";
pub const REACT_JS: &str = "/assets/react-18.3.1.production.min.js";
pub const REACT_DOM_JS: &str = "/assets/react-dom-18.3.1.production.min.js";
pub const REDOC_JS: &str = "/assets/redoc-2.5.2.standalone.js";

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

struct Asset {
    name: &'static str,
    bytes: &'static [u8],
    content_type: &'static str,
    gzipped: OnceLock<Vec<u8>>,
}

macro_rules! asset {
    ($name:literal, $kind:expr) => {
        Asset {
            name: $name,
            bytes: include_bytes!(concat!("../../assets/", $name)),
            content_type: $kind,
            gzipped: OnceLock::new(),
        }
    };
}

static ASSETS: [Asset; 10] = [
    asset!("graphiql-4.1.2.min.js", JS),
    asset!("graphiql-4.1.2.min.css", CSS),
    asset!("react-18.3.1.production.min.js", JS),
    asset!("react-dom-18.3.1.production.min.js", JS),
    asset!("redoc-2.5.2.standalone.js", JS),
    asset!("licenses/graphiql.txt", TEXT),
    asset!("licenses/react.txt", TEXT),
    asset!("licenses/react-dom.txt", TEXT),
    asset!("licenses/redoc.txt", TEXT),
    asset!("licenses/redoc-bundled.txt", TEXT),
];

/// Paths answered without the database: the home page, the API reference
/// and the assets (no admission slot, breaker or response cache).
pub fn needs_no_database(path: &str) -> bool {
    matches!(path, "/" | "/docs") || path.starts_with("/assets/")
}

/// The answer for `/assets/{name}`, if there is such an asset.
pub fn answer(req: &HttpRequest, name: &str) -> Option<HttpResponse> {
    let asset = ASSETS.iter().find(|a| a.name == name)?;
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::VARY, "Accept-Encoding"));
    if accepts_gzip(req) {
        res.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")));
        return Some(
            res.body(
                asset
                    .gzipped
                    .get_or_init(|| compress(asset.bytes))
                    .as_slice(),
            ),
        );
    }
    Some(res.body(asset.bytes))
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    == Some(0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::best(),
    );
    // Writing to a Vec cannot fail.
    if encoder.write_all(bytes).is_err() {
        return Vec::new();
    }
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_embedded_and_gzips_back_to_itself() {
        use std::io::Read;
        for asset in &ASSETS {
            assert!(asset.bytes.len() > 500, "{}", asset.name);
            let gz = compress(asset.bytes);
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(gz.as_slice())
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, asset.bytes, "{}", asset.name);
        }
        for path in [GRAPHIQL_JS, GRAPHIQL_CSS, REACT_JS, REACT_DOM_JS, REDOC_JS] {
            let name = path.trim_start_matches("/assets/");
            assert!(ASSETS.iter().any(|a| a.name == name), "{path}");
        }
    }
}
