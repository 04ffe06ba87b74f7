//! Pictures: upload, metadata removal, renditions and crops, bad input,
//! on SQLite and PostgreSQL, with the filesystem store.

use std::cell::RefCell;
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use domain::Scope;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both;

on_both!(
    configure = on_disk;
    an_upload_gets_renditions_crops_and_a_placeholder,
    metadata_is_removed_and_orientation_applied,
    bad_uploads_are_refused_and_nothing_is_stored,
    an_article_carries_its_uploaded_pictures,
    a_rendition_asked_for_at_once_is_built_once,
    an_author_takes_an_uploaded_avatar,
    pictures_from_before_keys_keep_their_bare_id_urls,
);

thread_local! {
    static DIR: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
}

/// Pictures in a directory of their own (the filesystem store), small
/// upload limits.
fn on_disk(s: &mut api::config::Settings) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "barta-images-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    DIR.with(|d| *d.borrow_mut() = Some(dir.clone()));
    s.image_dir = Some(dir);
    s.images.max_bytes = 4_000_000;
    s.images.max_pixels = 4_000_000;
}

fn dir() -> PathBuf {
    DIR.with(|d| d.borrow().clone()).unwrap()
}

/// Files under the picture directory, relative paths, sorted.
fn stored() -> Vec<String> {
    fn walk(base: &std::path::Path, at: &std::path::Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(at) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let base = dir();
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

/// A photo-like gradient (JPEG compresses it as it would a picture).
fn photo(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            (x * 255 / w.max(1)) as u8,
            (y * 255 / h.max(1)) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

fn encode(img: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    encode(DynamicImage::ImageRgb8(photo(w, h)), ImageFormat::Jpeg)
}

async fn upload(app: &TestApp, key: &str, mime: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.with_key(reqwest::Method::POST, "/v1/admin/images", key)
        .header("content-type", mime)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

/// A multipart upload: a part `file` with a file name and a type.
async fn upload_file(
    app: &TestApp,
    key: &str,
    bytes: Vec<u8>,
    name: &str,
    mime: &str,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap();
    app.with_key(reqwest::Method::POST, "/v1/admin/images", key)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    if status >= 400 {
        assert_eq!(ct.as_deref(), Some("application/problem+json"), "{body}");
    }
    body
}

/// Fetches a rendition; its bytes decoded, and the response.
async fn fetch(app: &TestApp, url: &str) -> (DynamicImage, reqwest::header::HeaderMap) {
    let res = app.client.get(url).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{url}");
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap();
    (image::load_from_memory(&bytes).unwrap(), headers)
}

/// The picture's segment of its public URLs (`{id}-{key}`), from the URL
/// an image view carries.
fn segment(img: &Value) -> String {
    let url = img["url"].as_str().unwrap();
    let rest = url.split_once("/images/").unwrap().1;
    rest.split('/').next().unwrap().to_owned()
}

async fn an_upload_gets_renditions_crops_and_a_placeholder(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let bytes = jpeg(1600, 1200);
    let made = json_of(upload(app, &key, "image/jpeg", bytes.clone()).await, 201).await;
    let img = &made["data"];
    assert_eq!(
        (img["width"].as_u64(), img["height"].as_u64()),
        (Some(1600), Some(1200))
    );
    assert_eq!(img["mime"], "image/jpeg");
    assert_eq!(img["focalPoint"], json!({"x": 0.5, "y": 0.5}));
    assert!(img["placeholder"].as_str().unwrap().len() > 10, "{img}");
    assert!(
        regex::Regex::new("^#[0-9a-f]{6}$")
            .unwrap()
            .is_match(img["dominantColor"].as_str().unwrap())
    );
    let id = img["id"].as_str().unwrap().to_owned();
    // Public URLs name the picture by id and a secret key: ids are
    // sequential, and walking them must not show the pictures of stories
    // not yet public.
    let pic = segment(img);
    let key_part = pic.strip_prefix(&format!("{id}-")).unwrap();
    assert!(
        key_part.len() == 32 && key_part.bytes().all(|b| b.is_ascii_hexdigit()),
        "{pic}"
    );
    // The same bytes again: the same picture, nothing new stored.
    let again = json_of(upload(app, &key, "image/jpeg", bytes).await, 200).await;
    assert_eq!(again["data"]["id"], id.as_str());
    // Widths up to the original's, no more: 160 … 1600, WebP and JPEG.
    let widths: Vec<u64> = img["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["mime"] == "image/webp")
        .map(|r| r["width"].as_u64().unwrap())
        .collect();
    assert_eq!(widths, vec![160, 320, 480, 640, 800, 1200, 1600]);
    assert!(
        img["srcset"]
            .as_str()
            .unwrap()
            .contains(&format!("/images/{pic}/800w.webp 800w"))
    );
    let (webp, headers) = fetch(app, &app.url(&format!("/images/{pic}/800w.webp"))).await;
    assert_eq!((webp.width(), webp.height()), (800, 600));
    assert_eq!(headers["content-type"], "image/webp");
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let not_modified = app
        .client
        .get(app.url(&format!("/images/{pic}/800w.webp")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status().as_u16(), 304);
    let (jpg, headers) = fetch(app, &app.url(&format!("/images/{pic}/800w.jpg"))).await;
    assert_eq!((jpg.width(), jpg.height()), (800, 600));
    assert_eq!(headers["content-type"], "image/jpeg");
    // Never upscaled: 2000w of a 1600-wide picture is 1600 wide.
    let (big, _) = fetch(app, &app.url(&format!("/images/{pic}/2000w.jpg"))).await;
    assert_eq!(big.width(), 1600);
    // Outside the allow-list: a problem, not a picture.
    for bad in ["801w.webp", "800w.png", "800x451.jpg", "0800w.jpg"] {
        json_of(app.get(&format!("/images/{pic}/{bad}")).await, 400).await;
    }
    json_of(app.get("/images/999999/800w.webp").await, 404).await;
    // Without its key (or with another) a picture is not there at all.
    let wrong = format!("{id}-{}", "0".repeat(32));
    let bare_crop = img["crops"][0]["template"]
        .as_str()
        .unwrap()
        .replace(&format!("/images/{pic}/"), &format!("/images/{id}/"))
        .replace("{width}", "800")
        .replace("{height}", "450");
    for guess in [
        app.url(&format!("/images/{id}/800w.webp")),
        app.url(&format!("/images/{wrong}/800w.webp")),
        app.url(&format!("/images/{id}-x/800w.webp")),
        bare_crop,
    ] {
        json_of(app.client.get(&guess).send().await.unwrap(), 404).await;
    }
    // A 16:9 crop from the template, cut around the focal point.
    let template = img["crops"][0]["template"].as_str().unwrap();
    assert_eq!(img["crops"][0]["ratio"], "16:9");
    let crop_url = template
        .replace("{width}", "800")
        .replace("{height}", "450");
    let (crop, _) = fetch(app, &crop_url).await;
    assert_eq!((crop.width(), crop.height()), (800, 450));
    // The focal point at the bottom: the crop moves down (its top row is
    // the original's bottom part: greener in this gradient) and gets a new
    // URL; the old one redirects there.
    let moved = json_of(
        app.with_key(
            reqwest::Method::PATCH,
            &format!("/v1/admin/images/{id}"),
            &key,
        )
        .json(&json!({"focalPoint": {"x": 0.5, "y": 1.0}, "alt": "নদীর তীরে নৌকা", "credit": "বার্তা"}))
        .send()
        .await
        .unwrap(),
        200,
    )
    .await;
    assert_eq!(moved["data"]["alt"], "নদীর তীরে নৌকা");
    let new_template = moved["data"]["crops"][0]["template"].as_str().unwrap();
    assert_ne!(new_template, template);
    let new_url = new_template
        .replace("{width}", "800")
        .replace("{height}", "450");
    let (low, _) = fetch(app, &new_url).await;
    let green = |i: &DynamicImage| i.to_rgb8().get_pixel(400, 0).0[1];
    assert!(
        green(&low) > green(&crop) + 20,
        "{} vs {}",
        green(&low),
        green(&crop)
    );
    let old = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&crop_url)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status().as_u16(), 302);
    assert_eq!(old.headers()["location"], new_url.as_str());
    // Bad focal points and unknown fields are refused.
    for body in [
        json!({"focalPoint": {"x": 1.5, "y": 0.5}}),
        json!({"focus": 1}),
    ] {
        let res = app
            .with_key(
                reqwest::Method::PATCH,
                &format!("/v1/admin/images/{id}"),
                &key,
            )
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            [400, 422].contains(&res.status().as_u16()),
            "{}",
            res.status()
        );
    }
    // A PNG with transparency, as multipart: kept as PNG.
    let logo = RgbaImage::from_fn(300, 200, |x, _| Rgba([200, 30, 30, (x % 256) as u8]));
    let png = encode(DynamicImage::ImageRgba8(logo), ImageFormat::Png);
    let logo = json_of(
        upload_file(app, &key, png, "লোগো.png", "image/png").await,
        201,
    )
    .await;
    assert_eq!(logo["data"]["mime"], "image/png");
    let (w, _) = fetch(
        app,
        &app.url(&format!("/images/{}/160w.webp", segment(&logo["data"]))),
    )
    .await;
    assert!(w.color().has_alpha());
    // The store holds the two originals and the renditions made, once.
    let files = stored();
    assert_eq!(
        files.iter().filter(|f| f.starts_with("originals/")).count(),
        2,
        "{files:?}"
    );
    assert!(
        files.contains(&format!("renditions/{id}/800w.webp")),
        "{files:?}"
    );
    // Larger than the 2 MiB of other bodies, within the upload limit.
    let mut seed = 7u32;
    let noise = RgbImage::from_fn(1000, 1000, |_, _| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let [a, b, c, _] = seed.to_le_bytes();
        Rgb([a, b, c])
    });
    let big = encode(DynamicImage::ImageRgb8(noise), ImageFormat::Png);
    assert!(
        big.len() > 2 * 1024 * 1024 && big.len() < 4_000_000,
        "{}",
        big.len()
    );
    json_of(upload(app, &key, "image/png", big).await, 201).await;
    // Reads need no key; writes do.
    json_of(upload(app, "", "image/jpeg", jpeg(10, 10)).await, 401).await;
    let _ = std::fs::remove_dir_all(dir());
}

/// A JPEG with an EXIF block: orientation 6 (turn 90° clockwise to view)
/// and a GPS-looking string that must never leave the server.
fn with_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0*\0\0\0\x08"); // big-endian TIFF, IFD at 8
    tiff.extend_from_slice(&2u16.to_be_bytes()); // two entries
    // Orientation (0x0112), SHORT, 1, value 6.
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    // ImageDescription (0x010E), ASCII, 16 bytes at offset 38.
    tiff.extend_from_slice(&[0x01, 0x0E, 0, 2, 0, 0, 0, 16, 0, 0, 0, 38]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    tiff.extend_from_slice(b"GPS 23.81N 90.4\0");
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn metadata_is_removed_and_orientation_applied(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let raw = with_exif(&jpeg(400, 200));
    assert!(raw.windows(4).any(|w| w == b"GPS "));
    let made = json_of(upload(app, &key, "image/jpeg", raw).await, 201).await;
    let img = &made["data"];
    // Turned upright: 200 wide, 400 high.
    assert_eq!(
        (img["width"].as_u64(), img["height"].as_u64()),
        (Some(200), Some(400))
    );
    let pic = segment(img);
    for name in ["160w.jpg", "160w.webp"] {
        let bytes = app
            .get(&format!("/images/{pic}/{name}"))
            .await
            .bytes()
            .await
            .unwrap();
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!((img.width(), img.height()), (160, 320));
        assert!(
            !bytes.windows(4).any(|w| w == b"Exif" || w == b"GPS "),
            "{name}"
        );
    }
    // Nor does the stored original keep it.
    for f in stored() {
        let bytes = std::fs::read(dir().join(&f)).unwrap();
        assert!(
            !bytes.windows(4).any(|w| w == b"Exif" || w == b"GPS "),
            "{f}"
        );
    }
    let _ = std::fs::remove_dir_all(dir());
}

/// A PNG whose header claims `w` × `h` pixels (a decompression bomb needs
/// no more than its header to be refused).
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut png = encode(
        DynamicImage::ImageLuma8(image::GrayImage::new(1, 1)),
        ImageFormat::Png,
    );
    // IHDR data starts at 16: width, height; its CRC covers type + data.
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&png[12..29]);
    png[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    png
}

async fn bad_uploads_are_refused_and_nothing_is_stored(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let good = jpeg(64, 48);
    let png = encode(DynamicImage::ImageRgb8(photo(64, 48)), ImageFormat::Png);
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    let strip = encode(
        DynamicImage::ImageLuma8(image::GrayImage::new(1, 100_000)),
        ImageFormat::Png,
    );
    let mut markup = good.clone();
    markup.extend_from_slice(b"<script>alert(1)</script>");
    let mut zipped = good.clone();
    zipped.extend_from_slice(b"PK\x03\x04 an archive follows");
    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        ("empty", "image/jpeg", Vec::new(), 422),
        (
            "truncated",
            "image/jpeg",
            good[..good.len() / 2].to_vec(),
            422,
        ),
        ("png said to be jpeg", "image/jpeg", png.clone(), 415),
        ("text", "image/jpeg", "নিছক লেখা".as_bytes().to_vec(), 415),
        ("gif", "image/gif", gif, 415),
        ("no type", "", good.clone(), 415),
        ("1 × 100000", "image/png", strip, 422),
        ("bomb", "image/png", png_claiming(60_000, 60_000), 422),
        ("zero-sized", "image/png", png_claiming(0, 0), 422),
        ("over 4 MP", "image/png", png_claiming(2_100, 2_000), 422),
        ("polyglot html", "image/jpeg", markup, 415),
        ("polyglot zip", "image/jpeg", zipped, 415),
        ("too large", "image/jpeg", vec![0xFF; 4_100_000], 413),
    ];
    for (what, mime, bytes, status) in cases {
        let res = upload(app, &key, mime, bytes).await;
        let got = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(got, status, "{what}: {body}");
        assert!(body["detail"].is_string(), "{what}: {body}");
    }
    // A multipart file whose name says JPEG but whose bytes are PNG.
    json_of(
        upload_file(app, &key, png, "ছবি.jpg", "image/png").await,
        415,
    )
    .await;
    assert!(stored().is_empty(), "{:?}", stored());
    // Nothing was recorded either: the first good upload is picture 1.
    let made = json_of(upload(app, &key, "image/jpeg", good).await, 201).await;
    assert_eq!(made["data"]["id"], "1");
    let _ = std::fs::remove_dir_all(dir());
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Value,
) -> reqwest::Response {
    app.with_key(method, path, key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn an_article_carries_its_uploaded_pictures(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let made = json_of(upload(app, &key, "image/jpeg", jpeg(1600, 1200)).await, 201).await;
    let pic = made["data"]["id"].as_str().unwrap().to_owned();
    let seg = segment(&made["data"]);
    // An unknown picture is named in the error.
    let res = send(
        app,
        reqwest::Method::POST,
        "/v1/admin/articles",
        &key,
        json!({"headline": "ছবির খবর", "section": "national", "bodyText": "লেখা", "image": {"imageId": "424242"}}),
    )
    .await;
    let problem = json_of(res, 422).await;
    assert_eq!(problem["errors"][0]["field"], "image.imageId", "{problem}");
    // A lead picture and a body picture; renditions filled in, anything a
    // client sent for them ignored.
    let res = send(
        app,
        reqwest::Method::POST,
        "/v1/admin/articles",
        &key,
        json!({
            "headline": "নদীর খবর", "section": "national",
            "image": {"imageId": pic, "caption": "পদ্মা", "renditions": [{"url": "https://evil.test/x.jpg", "width": 1, "height": 1, "mime": "image/jpeg"}]},
            "body": [
                {"type": "paragraph", "text": "নদীর পাড়ে"},
                {"type": "image", "image": {"imageId": pic, "alt": "নৌকা"}}
            ]
        }),
    )
    .await;
    let article = json_of(res, 201).await;
    let id = article["data"]["id"].as_str().unwrap().to_owned();
    let image = &article["data"]["image"];
    assert_eq!(image["imageId"], pic.as_str());
    assert_eq!(image["width"], 1600);
    assert!(
        image["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/images/{seg}/1600w.jpg")),
        "{image}"
    );
    assert_eq!(image["renditions"].as_array().unwrap().len(), 14, "{image}");
    assert!(!image.to_string().contains("evil.test"));
    assert!(image["placeholder"].is_string() && image["srcset"].is_string());
    // No alt text on the lead picture: it cannot go public.
    let res = send(
        app,
        reqwest::Method::POST,
        &format!("/v1/admin/articles/{id}/publish"),
        &key,
        json!({}),
    )
    .await;
    let problem = json_of(res, 422).await;
    assert_eq!(problem["errors"][0]["field"], "image.alt", "{problem}");
    assert_eq!(problem["errors"].as_array().unwrap().len(), 1, "{problem}");
    assert_eq!(
        app.get(&format!("/v1/articles/{id}"))
            .await
            .status()
            .as_u16(),
        404
    );
    // Alt text set on the picture counts at publish.
    json_of(
        send(
            app,
            reqwest::Method::PATCH,
            &format!("/v1/admin/images/{pic}"),
            &key,
            json!({"alt": "পদ্মা নদীতে নৌকা"}),
        )
        .await,
        200,
    )
    .await;
    json_of(
        send(
            app,
            reqwest::Method::POST,
            &format!("/v1/admin/articles/{id}/publish"),
            &key,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    let public = app.get_json(&format!("/v1/articles/{id}"), 200).await;
    assert_eq!(public["data"]["image"]["alt"], "পদ্মা নদীতে নৌকা");
    assert_eq!(public["data"]["body"][1]["image"]["alt"], "নৌকা");
    assert_eq!(public["data"]["body"][1]["image"]["imageId"], pic.as_str());
    // GraphQL picks renditions and crops.
    let q = app
        .graphql(
            "query($id: ID!) { article(id: $id) { image { imageId placeholder dominantColor focalPoint { x y }
               small: url(width: 700, format: WEBP) jpeg: url(width: 800) crop: url(width: 800, height: 450)
               srcset(widths: [320, 800]) original: url } } }",
            json!({"id": id}),
        )
        .await;
    let g = &q["data"]["article"]["image"];
    assert!(
        g["small"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/images/{seg}/800w.webp")),
        "{q}"
    );
    assert!(
        g["jpeg"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/images/{seg}/800w.jpg")),
        "{q}"
    );
    assert!(g["crop"].as_str().unwrap().ends_with("/800x450.jpg"), "{q}");
    assert_eq!(
        g["srcset"].as_str().unwrap().matches(", ").count(),
        1,
        "{q}"
    );
    assert_eq!(g["focalPoint"], json!({"x": 0.5, "y": 0.5}));
    // The crop URL it gives is served.
    let (crop, _) = fetch(app, g["crop"].as_str().unwrap()).await;
    assert_eq!((crop.width(), crop.height()), (800, 450));
    let bad = app
        .graphql(
            "query($id: ID!) { article(id: $id) { image { url(width: 800, height: 451) } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad}"
    );
    // Partners get every size in ninjs; feeds a JPEG about 1200 wide.
    let partner = app.key(Scope::Partner).await;
    let ninjs: Value = app
        .with_key(
            reqwest::Method::GET,
            &format!("/v1/ninjs/articles/{id}"),
            &partner,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let renditions = ninjs["renditions"].as_array().unwrap();
    assert_eq!(renditions.len(), 15, "{ninjs}");
    assert!(
        renditions
            .iter()
            .any(|r| r["name"] == "lead-image-800w-webp")
    );
    let rss = app.get("/feeds/rss.xml").await.text().await.unwrap();
    assert!(rss.contains(&format!("/images/{seg}/1200w.jpg")), "{rss}");
    // A live post's picture block gets its renditions too.
    let res = send(
        app,
        reqwest::Method::POST,
        "/v1/admin/articles",
        &key,
        json!({"headline": "সরাসরি: বন্যা", "section": "national", "bodyText": "শুরু", "kind": "live"}),
    )
    .await;
    let live = json_of(res, 201).await;
    let live = live["data"]["id"].as_str().unwrap().to_owned();
    let res = send(
        app,
        reqwest::Method::POST,
        &format!("/v1/admin/articles/{live}/posts"),
        &key,
        json!({"body": [{"type": "image", "image": {"imageId": pic}}]}),
    )
    .await;
    let post = json_of(res, 201).await;
    let block = &post["data"]["body"][0]["image"];
    assert_eq!(block["renditions"].as_array().unwrap().len(), 14, "{post}");
    assert_eq!(block["alt"], "পদ্মা নদীতে নৌকা", "{post}");
    let res = send(
        app,
        reqwest::Method::POST,
        &format!("/v1/admin/articles/{live}/posts"),
        &key,
        json!({"body": [{"type": "image", "image": {"imageId": "777777"}}]}),
    )
    .await;
    let bad = json_of(res, 422).await;
    assert_eq!(bad["errors"][0]["field"], "body[0].image.imageId", "{bad}");
    // A decorative picture needs no alt text.
    let plain = json_of(upload(app, &key, "image/jpeg", jpeg(320, 200)).await, 201).await;
    let plain = plain["data"]["id"].as_str().unwrap().to_owned();
    json_of(
        send(
            app,
            reqwest::Method::PATCH,
            &format!("/v1/admin/images/{plain}"),
            &key,
            json!({"decorative": true}),
        )
        .await,
        200,
    )
    .await;
    let res = send(
        app,
        reqwest::Method::POST,
        "/v1/admin/articles",
        &key,
        json!({"headline": "নকশা", "section": "national", "bodyText": "লেখা", "image": {"imageId": plain}}),
    )
    .await;
    let deco = json_of(res, 201).await;
    let deco = deco["data"]["id"].as_str().unwrap();
    json_of(
        send(
            app,
            reqwest::Method::POST,
            &format!("/v1/admin/articles/{deco}/publish"),
            &key,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    let _ = std::fs::remove_dir_all(dir());
}

/// The demo on an empty database, pictures on disk.
fn demo_on_disk(s: &mut api::config::Settings) {
    on_disk(s);
    s.demo = true;
}

crate::on_both!(@app the_demo_has_pictures, |engine| crate::helpers::spawn_app_custom(engine, false, super::demo_on_disk));

async fn the_demo_has_pictures(app: &TestApp) {
    let mut with = Vec::new();
    for id in app.list_ids("/v1/articles?limit=50").await {
        let a = app.get_json(&format!("/v1/articles/{id}"), 200).await;
        if a["data"]["image"]["imageId"].is_string() {
            with.push(a["data"].clone());
        }
    }
    assert_eq!(with.len(), 3);
    for a in &with {
        let image = &a["image"];
        assert!(
            image["alt"].as_str().is_some_and(|s| !s.is_empty()),
            "{image}"
        );
        let url = image["renditions"][1]["url"].as_str().unwrap();
        let (pic, _) = fetch(app, url).await;
        assert_eq!(pic.width(), 320, "{url}");
    }
    let _ = std::fs::remove_dir_all(dir());
}

/// `barta_image_renditions_built` of this server.
async fn built(app: &TestApp) -> u64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("barta_image_renditions_built "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

async fn a_rendition_asked_for_at_once_is_built_once(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let made = json_of(upload(app, &key, "image/jpeg", jpeg(1600, 1200)).await, 201).await;
    let pic = segment(&made["data"]);
    assert_eq!(built(app).await, 0);
    let url = app.url(&format!("/images/{pic}/640w.webp"));
    let answers = futures_util::future::join_all((0..16).map(|_| {
        let (client, url) = (app.client.clone(), url.clone());
        async move {
            let res = client.get(&url).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200);
            res.bytes().await.unwrap()
        }
    }))
    .await;
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(built(app).await, 1, "sixteen clients at once, one build");
    // Another size is another build; the same one again is none.
    fetch(app, &app.url(&format!("/images/{pic}/320w.jpg"))).await;
    fetch(app, &url).await;
    assert_eq!(built(app).await, 2);
    let _ = std::fs::remove_dir_all(dir());
}

async fn an_author_takes_an_uploaded_avatar(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let made = json_of(upload(app, &key, "image/jpeg", jpeg(600, 600)).await, 201).await;
    let pic = made["data"]["id"].as_str().unwrap().to_owned();
    let seg = segment(&made["data"]);
    let bad = send(
        app,
        reqwest::Method::POST,
        "/v1/admin/authors",
        &key,
        json!({"name": "নাসরিন আক্তার", "avatarImageId": "999999"}),
    )
    .await;
    let bad = json_of(bad, 422).await;
    assert_eq!(bad["errors"][0]["field"], "avatarImageId", "{bad}");
    let res = send(
        app,
        reqwest::Method::POST,
        "/v1/admin/authors",
        &key,
        json!({"name": "নাসরিন আক্তার", "slug": "nasrin", "avatarImageId": pic}),
    )
    .await;
    let author = json_of(res, 201).await;
    let data = &author["data"];
    assert!(
        data["avatarUrl"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/images/{seg}/320w.jpg")),
        "{data}"
    );
    // 160 … 480 (the picture is 600 wide), WebP and JPEG.
    assert_eq!(
        data["avatar"]["renditions"].as_array().unwrap().len(),
        6,
        "{data}"
    );
    let q = app
        .graphql(
            "{ author(slug: \"nasrin\") { avatarUrl avatar { imageId url(width: 160, format: WEBP) } } }",
            json!({}),
        )
        .await;
    let small = q["data"]["author"]["avatar"]["url"].as_str().unwrap();
    assert!(small.ends_with(&format!("/images/{seg}/160w.webp")), "{q}");
    let (img, _) = fetch(app, small).await;
    assert_eq!(img.width(), 160);
    // `null` removes the avatar.
    let res = send(
        app,
        reqwest::Method::PATCH,
        "/v1/admin/authors/nasrin",
        &key,
        json!({"avatarImageId": null}),
    )
    .await;
    let cleared = json_of(res, 200).await;
    assert!(cleared["data"]["avatarUrl"].is_null(), "{cleared}");
    assert!(cleared["data"].get("avatar").is_none(), "{cleared}");
    let _ = std::fs::remove_dir_all(dir());
}

/// Pictures uploaded before URL keys existed (the migration leaves their
/// key empty) keep the `/images/{id}/…` URLs stored articles hold; a key
/// does not name them.
async fn pictures_from_before_keys_keep_their_bare_id_urls(app: &TestApp) {
    let key = app.key(Scope::Editor).await;
    let made = json_of(upload(app, &key, "image/jpeg", jpeg(400, 300)).await, 201).await;
    let id = made["data"]["id"].as_str().unwrap().to_owned();
    let keyed = segment(&made["data"]);
    assert_ne!(keyed, id);
    app.db
        .as_ref()
        .unwrap()
        .db
        .execute_unprepared(&format!("UPDATE images SET url_key = NULL WHERE id = {id}"))
        .await
        .unwrap();
    let view = app
        .with_key(
            reqwest::Method::GET,
            &format!("/v1/admin/images/{id}"),
            &key,
        )
        .send()
        .await
        .unwrap();
    let view = json_of(view, 200).await;
    assert_eq!(segment(&view["data"]), id, "{view}");
    let (img, _) = fetch(app, &app.url(&format!("/images/{id}/320w.jpg"))).await;
    assert_eq!(img.width(), 320);
    json_of(app.get(&format!("/images/{keyed}/320w.jpg")).await, 404).await;
    let _ = std::fs::remove_dir_all(dir());
}
