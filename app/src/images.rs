//! Uploaded pictures: ingest (type sniffed from the bytes, size and pixel
//! limits, EXIF orientation applied, every metadata block dropped by
//! re-encoding), the placeholder and dominant colour, and renditions made
//! on first request from an allow-list of sizes, cut around the focal
//! point, cached in memory and in the store, each built once however many
//! clients ask for it at the same time.
//!
//! The bytes live in an [`ObjectStore`]: a directory by default, any
//! object store the `object_store` crate reaches otherwise; the code path
//! is the same.

use std::io::Cursor;
use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use domain::ApiKey;
use domain::image as pic;
pub use domain::image::crop_version;
use domain::image::{
    ALT_MAX, CAPTION_MAX, CREDIT_MAX, FocalPoint, ImageAsset, OutputFormat, RenditionSpec,
    SourceFormat,
};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};
use persistence::{ContentRepo, ImageChange, NewImage, WriteContext};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::editorial::ctx;
use crate::error::AppError;

/// Limits and quality settings.
#[derive(Debug, Clone, Copy)]
pub struct ImageSettings {
    /// Largest upload, in bytes.
    pub max_bytes: usize,
    /// Most pixels a picture may decode to (stops decompression bombs).
    pub max_pixels: u64,
    /// Longest side, in pixels.
    pub max_side: u32,
    /// Bytes of renditions kept in memory.
    pub cache_bytes: u64,
    /// Renditions built at once (the rest wait their turn).
    pub parallel_builds: usize,
}

impl Default for ImageSettings {
    fn default() -> Self {
        Self {
            max_bytes: 20 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_side: 16_384,
            cache_bytes: 64 * 1024 * 1024,
            parallel_builds: 2,
        }
    }
}

/// The widest a picture may be for its height and the other way round:
/// a 1 × 100,000 strip is not a news picture.
const MAX_ASPECT: u32 = 20;
const JPEG_QUALITY: u8 = 82;
const MASTER_JPEG_QUALITY: u8 = 92;
const WEBP_QUALITY: f32 = 78.0;
/// How long the rendition routes reuse a picture's row: a focal point
/// moved on another instance reaches them within this.
const ASSET_TTL: std::time::Duration = std::time::Duration::from_secs(2);

/// An upload as it came: the bytes and what the client said they are.
#[derive(Debug, Clone)]
pub struct Upload {
    pub bytes: Bytes,
    /// From `Content-Type` (or a part's type), when it names an image.
    pub declared_mime: Option<String>,
    /// A multipart part's file name.
    pub file_name: Option<String>,
}

/// Text and focal point an editor sets; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct ImageFields {
    pub alt: Option<Option<String>>,
    pub caption: Option<Option<String>>,
    pub credit: Option<Option<String>>,
    pub decorative: Option<bool>,
    pub focal_point: Option<(f64, f64)>,
}

/// A rendition's bytes and how to label them.
#[derive(Debug, Clone)]
pub struct Rendition {
    pub bytes: Bytes,
    pub mime: &'static str,
    /// A strong validator of the bytes.
    pub etag: String,
}

/// What a stored original looks like after ingest.
struct Ingested {
    master: Vec<u8>,
    format: SourceFormat,
    width: u32,
    height: u32,
    placeholder: String,
    dominant_color: String,
}

#[derive(Clone)]
pub struct ImageService {
    repo: ContentRepo,
    clock: Clock,
    base: Arc<str>,
    store: Arc<dyn ObjectStore>,
    settings: ImageSettings,
    renditions: moka::future::Cache<String, Rendition>,
    builds: Arc<tokio::sync::Semaphore>,
    /// Renditions made from an original since start (not read back).
    built: Arc<std::sync::atomic::AtomicU64>,
    /// Pictures' rows as the rendition routes last read them.
    assets: moka::future::Cache<i64, ImageAsset>,
}

fn internal(e: impl std::error::Error + Send + Sync + 'static) -> AppError {
    AppError::Internal(Box::new(e))
}

fn unsupported(message: impl Into<String>) -> AppError {
    AppError::UnsupportedMediaType(message.into())
}

fn unreadable(message: impl Into<String>) -> AppError {
    AppError::Unprocessable(vec![domain::ValidationError::new("file", message)])
}

/// Where a rendition is kept: below `renditions/` as below `/images/`.
/// Filed by id (not by the URL's key), so a key never reaches the store.
fn rendition_key(id: i64, focal: FocalPoint, spec: &RenditionSpec) -> String {
    format!(
        "renditions/{}",
        pic::rendition_path(&id.to_string(), focal, spec)
    )
}

/// A fresh secret for a picture's public URL (128 random bits, hex).
fn new_url_key() -> Result<String, AppError> {
    let mut bytes = [0u8; pic::URL_KEY_LEN / 2];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(format!("no randomness: {e}").into()))?;
    Ok(hex::encode(bytes))
}

fn master_path(sha256: &str, format: SourceFormat) -> StorePath {
    StorePath::from(format!("originals/{sha256}.{}", format.extension()))
}

impl ImageService {
    /// `base`: where rendition URLs start (no trailing slash).
    pub fn new(
        repo: ContentRepo,
        clock: Clock,
        base: &str,
        store: Arc<dyn ObjectStore>,
        settings: ImageSettings,
    ) -> Self {
        let base: Arc<str> = Arc::from(base.trim_end_matches('/'));
        let renditions = moka::future::Cache::builder()
            .weigher(|_k: &String, v: &Rendition| u32::try_from(v.bytes.len()).unwrap_or(u32::MAX))
            .max_capacity(settings.cache_bytes)
            .build();
        Self {
            repo,
            clock,
            base,
            store,
            settings,
            renditions,
            builds: Arc::new(tokio::sync::Semaphore::new(settings.parallel_builds.max(1))),
            built: Arc::default(),
            assets: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(ASSET_TTL)
                .build(),
        }
    }

    /// The store on a local directory (created if missing).
    pub fn local_store(dir: &std::path::Path) -> Result<Arc<dyn ObjectStore>, AppError> {
        std::fs::create_dir_all(dir).map_err(internal)?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(internal)?;
        Ok(Arc::new(fs))
    }

    pub fn settings(&self) -> ImageSettings {
        self.settings
    }

    /// Where rendition URLs start.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Renditions made from an original since start (a rendition asked for
    /// by many clients at once counts once).
    pub fn renditions_built(&self) -> u64 {
        self.built.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stores an upload; the same bytes uploaded again give the same
    /// picture (`false`: nothing new was stored).
    pub async fn upload(&self, key: &ApiKey, up: Upload) -> Result<(ImageAsset, bool), AppError> {
        self.store_upload(up, ctx(key, self.clock.now())).await
    }

    /// Stores a picture the system itself made (the demo) and describes it.
    pub async fn upload_system(&self, up: Upload, f: ImageFields) -> Result<ImageAsset, AppError> {
        let now = self.clock.now();
        let (asset, _) = self.store_upload(up, WriteContext::system(now)).await?;
        self.describe(WriteContext::system(now), asset.id, f).await
    }

    async fn store_upload(
        &self,
        up: Upload,
        ctx: WriteContext,
    ) -> Result<(ImageAsset, bool), AppError> {
        if up.bytes.is_empty() {
            return Err(unreadable("is empty"));
        }
        if up.bytes.len() > self.settings.max_bytes {
            return Err(AppError::PayloadTooLarge);
        }
        let sha = hex::encode(Sha256::digest(&up.bytes));
        if let Some(known) = self.repo.image_by_sha256(&sha).await? {
            return Ok((known, false));
        }
        let settings = self.settings;
        let ingested = {
            let _turn = self.builds.acquire().await.map_err(internal)?;
            tokio::task::spawn_blocking(move || ingest(&up, settings))
                .await
                .map_err(internal)??
        };
        let master_bytes = ingested.master.len() as u64;
        self.store
            .put(
                &master_path(&sha, ingested.format),
                Bytes::from(ingested.master).into(),
            )
            .await
            .map_err(internal)?;
        let asset = self
            .repo
            .create_image(
                NewImage {
                    url_key: new_url_key()?,
                    width: ingested.width,
                    height: ingested.height,
                    format: ingested.format,
                    bytes: master_bytes,
                    sha256: sha,
                    placeholder: ingested.placeholder,
                    dominant_color: ingested.dominant_color,
                },
                ctx,
            )
            .await?;
        Ok((asset, true))
    }

    pub async fn get(&self, id: i64) -> Result<ImageAsset, AppError> {
        self.repo
            .image(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("image {id} not found")))
    }

    /// A picture for the public rendition routes, named by its URL segment
    /// (`{id}-{key}`, see [`pic::parse_segment`]): its row reused for a
    /// moment (a hot rendition costs no query). A wrong or missing key is
    /// "not found", like an id that names nothing.
    pub async fn get_for_readers(&self, segment: &str) -> Result<ImageAsset, AppError> {
        let not_found = || AppError::not_found(format!("image {segment} not found"));
        let (id, key) = pic::parse_segment(segment).ok_or_else(not_found)?;
        let a = match self.assets.get(&id).await {
            Some(a) => a,
            None => {
                let a = self.repo.image(id).await?.ok_or_else(not_found)?;
                self.assets.insert(id, a.clone()).await;
                a
            }
        };
        if a.answers_to(key) {
            Ok(a)
        } else {
            Err(not_found())
        }
    }

    pub async fn by_ids(&self, ids: &[i64]) -> Result<Vec<ImageAsset>, AppError> {
        Ok(self.repo.images_by_ids(ids).await?)
    }

    /// Sets alt text, caption, credit, decoration and the focal point.
    pub async fn update(
        &self,
        key: &ApiKey,
        id: i64,
        f: ImageFields,
    ) -> Result<ImageAsset, AppError> {
        self.describe(ctx(key, self.clock.now()), id, f).await
    }

    async fn describe(
        &self,
        ctx: WriteContext,
        id: i64,
        f: ImageFields,
    ) -> Result<ImageAsset, AppError> {
        let mut errors = Vec::new();
        let mut text = |field: &str, v: Option<Option<String>>, max: usize| match v {
            None => None,
            Some(None) => Some(None),
            Some(Some(s)) => match pic::image_text(field, Some(&s), max) {
                Ok(v) => Some(v),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
        };
        let change = ImageChange {
            alt: text("alt", f.alt, ALT_MAX),
            caption: text("caption", f.caption, CAPTION_MAX),
            credit: text("credit", f.credit, CREDIT_MAX),
            decorative: f.decorative,
            focal_point: match f.focal_point {
                None => None,
                Some((x, y)) => match FocalPoint::new(x, y) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                },
            },
        };
        if !errors.is_empty() {
            return Err(AppError::Unprocessable(errors));
        }
        let updated = self
            .repo
            .update_image(id, change, ctx)
            .await
            .map_err(|e| match e {
                persistence::RepoError::NotFound => {
                    AppError::not_found(format!("image {id} not found"))
                }
                e => e.into(),
            })?;
        self.assets.invalidate(&id).await;
        Ok(updated)
    }

    /// A rendition of a picture, made on first request. `version` is the
    /// crop version the URL named (crops only).
    pub async fn rendition(
        &self,
        asset: &ImageAsset,
        spec: RenditionSpec,
    ) -> Result<Rendition, AppError> {
        let key = rendition_key(asset.id, asset.focal_point, &spec);
        let this = self.clone();
        let asset = asset.clone();
        self.renditions
            .try_get_with(key.clone(), async move {
                this.load_or_build(&asset, spec, key).await
            })
            .await
            .map_err(|e| AppError::Internal(format!("rendition: {e}").into()))
    }

    /// A width rendition already in memory, served without reading the
    /// picture's row (its bytes never depend on the focal point; a crop's
    /// do, so crops always ask for the row).
    pub async fn cached(&self, segment: &str, spec: &RenditionSpec) -> Option<Rendition> {
        if spec.height.is_some() {
            return None;
        }
        // The key is checked against the row read for the picture lately;
        // without one in memory the caller reads it.
        let (id, key) = pic::parse_segment(segment)?;
        if !self.assets.get(&id).await?.answers_to(key) {
            return None;
        }
        let key = rendition_key(id, FocalPoint::default(), spec);
        self.renditions.get(&key).await
    }

    async fn load_or_build(
        &self,
        asset: &ImageAsset,
        spec: RenditionSpec,
        key: String,
    ) -> Result<Rendition, AppError> {
        let path = StorePath::from(key);
        let bytes = match self.store.get(&path).await {
            Ok(got) => got.bytes().await.map_err(internal)?,
            Err(object_store::Error::NotFound { .. }) => {
                let sha = self.sha_of(asset).await?;
                let master = self
                    .store
                    .get(&master_path(&sha, asset.format))
                    .await
                    .map_err(internal)?
                    .bytes()
                    .await
                    .map_err(internal)?;
                let (w, h, focal, format) =
                    (asset.width, asset.height, asset.focal_point, asset.format);
                let built = {
                    let _turn = self.builds.acquire().await.map_err(internal)?;
                    tokio::task::spawn_blocking(move || build(&master, format, w, h, focal, spec))
                        .await
                        .map_err(internal)??
                };
                self.built
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let built = Bytes::from(built);
                self.store
                    .put(&path, built.clone().into())
                    .await
                    .map_err(internal)?;
                built
            }
            Err(e) => return Err(internal(e)),
        };
        let etag = format!("\"{:016x}\"", digest64(&bytes));
        Ok(Rendition {
            bytes,
            mime: spec.format.mime(),
            etag,
        })
    }

    async fn sha_of(&self, asset: &ImageAsset) -> Result<String, AppError> {
        self.repo
            .image_sha256(asset.id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("image {} not found", asset.id)))
    }
}

/// Uploaded pictures by id, as an input names them.
pub(crate) type Assets = std::collections::HashMap<String, ImageAsset>;

/// Fills in the uploaded picture `image` names (`field` names it in the
/// error when there is no such picture); an outside URL stays as it is.
pub(crate) fn attach_named(
    image: &mut domain::Image,
    field: &str,
    assets: &Assets,
    base: &str,
    errors: &mut Vec<domain::ValidationError>,
) {
    let Some(id) = image.image_id.clone() else {
        return;
    };
    match assets.get(&id) {
        Some(asset) => image.attach(base, asset),
        None => errors.push(domain::ValidationError::new(
            format!("{field}.imageId"),
            format!("no uploaded picture {id}"),
        )),
    }
}

/// Fills in the uploaded pictures image blocks name (unknown ones are
/// errors of their block).
pub(crate) async fn attach_blocks(
    svc: &crate::content::ContentService,
    blocks: &mut [domain::Block],
    errors: &mut Vec<domain::ValidationError>,
) -> Result<(), AppError> {
    let ids: Vec<i64> = blocks
        .iter()
        .filter_map(|b| match b {
            domain::Block::Image { image } => image.image_id.as_deref()?.parse().ok(),
            _ => None,
        })
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let assets: Assets = svc
        .repo()
        .images_by_ids(&ids)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), a))
        .collect();
    for (i, b) in blocks.iter_mut().enumerate() {
        if let domain::Block::Image { image } = b {
            let field = format!("body[{i}].image");
            attach_named(image, &field, &assets, svc.image_base(), errors);
        }
    }
    Ok(())
}

/// A strong validator of rendition bytes: the first 64 bits of SHA-256.
fn digest64(bytes: &[u8]) -> u64 {
    let digest = Sha256::digest(bytes);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// The format the bytes are, from their signature.
fn sniff(bytes: &[u8]) -> Result<SourceFormat, AppError> {
    match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => Ok(SourceFormat::Jpeg),
        Ok(ImageFormat::Png) => Ok(SourceFormat::Png),
        Ok(ImageFormat::WebP) => Ok(SourceFormat::WebP),
        Ok(other) => Err(unsupported(format!(
            "{} is not accepted; upload JPEG, PNG or WebP",
            other.to_mime_type()
        ))),
        Err(_) => Err(unsupported(
            "the bytes are not a picture; upload JPEG, PNG or WebP",
        )),
    }
}

fn ingest(up: &Upload, s: ImageSettings) -> Result<Ingested, AppError> {
    let bytes = &up.bytes[..];
    let format = sniff(bytes)?;
    // What the client said must be what the bytes are.
    if let Some(mime) = up.declared_mime.as_deref()
        && mime != "application/octet-stream"
    {
        match SourceFormat::from_mime(mime) {
            Some(f) if f == format => {}
            _ => {
                return Err(unsupported(format!(
                    "the upload says {mime}, the bytes are {}",
                    format.mime()
                )));
            }
        }
    }
    if let Some(name) = up.file_name.as_deref()
        && SourceFormat::from_extension(name) != Some(format)
    {
        return Err(unsupported(format!(
            "the file name {name:?} does not end in the extension of {}",
            format.mime()
        )));
    }
    if let Some(what) = polyglot(bytes, format) {
        return Err(unsupported(format!(
            "the file is also {what} (a polyglot); upload the picture alone"
        )));
    }
    if format == SourceFormat::Jpeg && !bytes.windows(2).any(|w| w == [0xFF, 0xD9]) {
        return Err(unreadable("the JPEG is truncated (no end-of-image marker)"));
    }
    let img_format = match format {
        SourceFormat::Jpeg => ImageFormat::Jpeg,
        SourceFormat::Png => ImageFormat::Png,
        SourceFormat::WebP => ImageFormat::WebP,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), img_format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(s.max_side);
    limits.max_image_height = Some(s.max_side);
    // Room for the decoded pixels (RGBA, 16 bits at most) and little more.
    limits.max_alloc = Some(s.max_pixels.saturating_mul(8));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| decode_error(e, s))?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(unreadable("the picture has no pixels"));
    }
    if u64::from(w) * u64::from(h) > s.max_pixels {
        return Err(too_big(w, h, s));
    }
    if w.max(h) / w.min(h) > MAX_ASPECT {
        return Err(unreadable(format!(
            "{w} × {h} pixels: a side may be at most {MAX_ASPECT} times the other"
        )));
    }
    let orientation = decoder.orientation().map_err(|e| decode_error(e, s))?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| decode_error(e, s))?;
    img.apply_orientation(orientation);
    let (width, height) = (img.width(), img.height());
    // Re-encoded from pixels: no EXIF, XMP, ICC comment or trailing bytes
    // of the upload survive.
    let alpha = img.color().has_alpha() && has_transparency(&img);
    let (master, stored) = if alpha {
        let mut out = Vec::new();
        img.to_rgba8()
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(internal)?;
        (out, SourceFormat::Png)
    } else {
        let mut out = Vec::new();
        let rgb = img.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, MASTER_JPEG_QUALITY)
            .encode_image(&rgb)
            .map_err(internal)?;
        (out, SourceFormat::Jpeg)
    };
    let (placeholder, dominant_color) = placeholder(&img);
    Ok(Ingested {
        master,
        format: stored,
        width,
        height,
        placeholder,
        dominant_color,
    })
}

/// What else the bytes are, when a picture carries another format:
/// markup a browser would run, or an archive after the picture's end.
fn polyglot(bytes: &[u8], format: SourceFormat) -> Option<&'static str> {
    const MARKUP: [&[u8]; 5] = [b"<script", b"<html", b"<?php", b"<svg", b"<!doctype"];
    if MARKUP
        .iter()
        .any(|m| bytes.windows(m.len()).any(|w| w.eq_ignore_ascii_case(m)))
    {
        return Some("markup (HTML, SVG, script or PHP)");
    }
    let end = match format {
        SourceFormat::Jpeg => find_last(bytes, &[0xFF, 0xD9]).map(|i| i + 2),
        SourceFormat::Png => find_last(bytes, b"IEND").map(|i| i + 8),
        SourceFormat::WebP => None,
    }?;
    let tail = bytes.get(end..)?;
    if tail.windows(4).any(|w| w == b"PK\x03\x04" || w == b"%PDF") {
        return Some("an archive or document after the picture's end");
    }
    None
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn has_transparency(img: &DynamicImage) -> bool {
    img.to_rgba8().pixels().any(|p| p.0[3] < 255)
}

fn too_big(w: u32, h: u32, s: ImageSettings) -> AppError {
    unreadable(format!(
        "{w} × {h} pixels is more than the {} allowed",
        s.max_pixels
    ))
}

fn decode_error(e: image::ImageError, s: ImageSettings) -> AppError {
    match e {
        image::ImageError::Limits(_) => unreadable(format!(
            "the picture is larger than allowed ({} pixels, {} on a side)",
            s.max_pixels, s.max_side
        )),
        image::ImageError::Unsupported(u) => unsupported(u.to_string()),
        other => unreadable(format!("the picture cannot be read: {other}")),
    }
}

/// ThumbHash (base64) and the average colour (`#rrggbb`).
fn placeholder(img: &DynamicImage) -> (String, String) {
    let small = img.thumbnail(100, 100).to_rgba8();
    let hash = thumbhash::rgba_to_thumb_hash(
        small.width() as usize,
        small.height() as usize,
        small.as_raw(),
    );
    let (r, g, b, _) = thumbhash::thumb_hash_to_average_rgba(&hash).unwrap_or((0.5, 0.5, 0.5, 1.0));
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    (
        base64::engine::general_purpose::STANDARD.encode(&hash),
        format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b)),
    )
}

/// Cuts, scales and encodes one rendition.
fn build(
    master: &[u8],
    format: SourceFormat,
    width: u32,
    height: u32,
    focal: FocalPoint,
    spec: RenditionSpec,
) -> Result<Vec<u8>, AppError> {
    let img_format = match format {
        SourceFormat::Png => ImageFormat::Png,
        SourceFormat::Jpeg => ImageFormat::Jpeg,
        SourceFormat::WebP => ImageFormat::WebP,
    };
    let img = image::load_from_memory_with_format(master, img_format).map_err(internal)?;
    let plan = pic::plan(width, height, &spec, focal);
    let alpha = img.color().has_alpha();
    let src = if alpha {
        DynamicImage::ImageRgba8(img.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(img.to_rgb8())
    };
    let (ow, oh) = plan.out;
    let pixel = if alpha {
        fast_image_resize::PixelType::U8x4
    } else {
        fast_image_resize::PixelType::U8x3
    };
    let mut dst = fast_image_resize::images::Image::new(ow, oh, pixel);
    let (cx, cy, cw, ch) = plan.crop;
    let options = fast_image_resize::ResizeOptions::new()
        .crop(f64::from(cx), f64::from(cy), f64::from(cw), f64::from(ch))
        .resize_alg(fast_image_resize::ResizeAlg::Convolution(
            fast_image_resize::FilterType::Lanczos3,
        ));
    fast_image_resize::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(internal)?;
    let raw = dst.into_vec();
    match spec.format {
        OutputFormat::WebP => {
            let enc = if alpha {
                webp::Encoder::from_rgba(&raw, ow, oh)
            } else {
                webp::Encoder::from_rgb(&raw, ow, oh)
            };
            let out = enc
                .encode_simple(false, WEBP_QUALITY)
                .map_err(|e| AppError::Internal(format!("webp: {e:?}").into()))?;
            Ok(out.to_vec())
        }
        OutputFormat::Jpeg => {
            // JPEG has no transparency: flatten onto white.
            let rgb: Vec<u8> = if alpha {
                raw.chunks_exact(4)
                    .flat_map(|p| {
                        let a = u16::from(p[3]);
                        let mix = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
                        [mix(p[0]), mix(p[1]), mix(p[2])]
                    })
                    .collect()
            } else {
                raw
            };
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
                .encode(&rgb, ow, oh, image::ExtendedColorType::Rgb8)
                .map_err(internal)?;
            Ok(out)
        }
    }
}
