//! Uploaded pictures: the stored asset, its focal point, and the renditions
//! readers may ask for (an allow-list of widths and crop ratios, so nobody
//! can fill the cache with arbitrary sizes).

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::error::ValidationError;
use crate::text::clean_text;

/// Widths a rendition may have, in pixels.
pub const WIDTHS: [u32; 8] = [160, 320, 480, 640, 800, 1200, 1600, 2000];

/// Crop ratios a rendition may have (width : height).
pub const RATIOS: [(u32, u32); 4] = [(16, 9), (4, 3), (1, 1), (3, 2)];

/// Longest alt text, caption and credit, in characters.
pub const ALT_MAX: usize = 500;
pub const CAPTION_MAX: usize = 1_000;
pub const CREDIT_MAX: usize = 200;

/// The formats an upload may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceFormat {
    Jpeg,
    Png,
    WebP,
}

impl SourceFormat {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Self> {
        match mime {
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "image/webp" => Some(Self::WebP),
            _ => None,
        }
    }

    /// The format a file name's extension claims.
    pub fn from_extension(name: &str) -> Option<Self> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "jpg" | "jpeg" | "jpe" | "jfif" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            "webp" => Some(Self::WebP),
            _ => None,
        }
    }

    /// The extension the stored original gets.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::WebP => "webp",
        }
    }
}

/// Where the eye goes: crops keep it in frame. Both in 0–1 from the top
/// left; the centre by default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FocalPoint {
    pub x: f64,
    pub y: f64,
}

// Never NaN (`FocalPoint::new` refuses it), so equality is an equivalence.
impl Eq for FocalPoint {}

impl Default for FocalPoint {
    fn default() -> Self {
        Self { x: 0.5, y: 0.5 }
    }
}

impl FocalPoint {
    pub fn new(x: f64, y: f64) -> Result<Self, ValidationError> {
        let ok = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
        if !ok(x) || !ok(y) {
            return Err(ValidationError::new(
                "focalPoint",
                "x and y must each be between 0 and 1",
            ));
        }
        Ok(Self { x, y })
    }
}

/// An uploaded picture as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageAsset {
    pub id: i64,
    /// The secret half of the picture's public URL (`/images/{id}-{key}/…`):
    /// ids are sequential, so without it anyone could walk them and see the
    /// pictures of drafts and embargoed stories. `None` for pictures
    /// uploaded before keys existed (their URLs, already in stored
    /// articles, stay `/images/{id}/…`).
    pub url_key: Option<String>,
    /// Of the stored original, after its EXIF orientation was applied.
    pub width: u32,
    pub height: u32,
    pub format: SourceFormat,
    /// Bytes of the stored original (metadata removed).
    pub bytes: u64,
    pub focal_point: FocalPoint,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// Marked as decoration: needs no alt text.
    pub decorative: bool,
    /// ThumbHash of the picture, base64.
    pub placeholder: String,
    /// `#rrggbb`.
    pub dominant_color: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl ImageAsset {
    /// The picture's segment of its public URLs: `{id}-{key}`, or `{id}`
    /// for a picture without a key.
    pub fn url_segment(&self) -> String {
        match &self.url_key {
            Some(k) => format!("{}-{k}", self.id),
            None => self.id.to_string(),
        }
    }

    /// Whether a URL's segment (see [`parse_segment`]) names this picture:
    /// its key compared in constant time; a picture without a key answers
    /// only to its bare id.
    pub fn answers_to(&self, key: Option<&str>) -> bool {
        match (&self.url_key, key) {
            (Some(mine), Some(given)) => mine.as_bytes().ct_eq(given.as_bytes()).into(),
            (None, None) => true,
            _ => false,
        }
    }

    /// Whether an article may be published with it: it has alt text, or is
    /// marked decorative.
    pub fn accessible(&self) -> bool {
        self.decorative || self.alt.as_deref().is_some_and(|a| !a.trim().is_empty())
    }

    /// The widths of the allow-list this picture can fill without
    /// upscaling (the smallest one at least, so every picture has one).
    pub fn widths(&self) -> Vec<u32> {
        let fit: Vec<u32> = WIDTHS.into_iter().filter(|w| *w <= self.width).collect();
        if fit.is_empty() { vec![WIDTHS[0]] } else { fit }
    }
}

/// Cleans an optional text field of an image (alt, caption, credit):
/// trimmed, NFC, empty → `None`, at most `max` characters.
pub fn image_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    let Some(v) = value else { return Ok(None) };
    let v = clean_text(v, false)
        .map_err(|e| ValidationError::new(field, e.to_string()))?
        .trim()
        .to_owned();
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(Some(v))
}

/// The format a rendition is delivered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    WebP,
    Jpeg,
}

impl OutputFormat {
    pub fn parse(ext: &str) -> Option<Self> {
        match ext {
            "webp" => Some(Self::WebP),
            "jpg" => Some(Self::Jpeg),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::WebP => "webp",
            Self::Jpeg => "jpg",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::WebP => "image/webp",
            Self::Jpeg => "image/jpeg",
        }
    }
}

/// A rendition as named in its URL: `800w.webp` (the whole picture, 800
/// wide) or `800x450.jpg` (a 16:9 crop around the focal point).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RenditionSpec {
    pub width: u32,
    /// The crop's height; `None` keeps the picture's own ratio.
    pub height: Option<u32>,
    pub format: OutputFormat,
}

impl RenditionSpec {
    /// Parses `{w}w.{ext}` or `{w}x{h}.{ext}`; sizes outside the allow-list
    /// are refused.
    pub fn parse(name: &str) -> Result<Self, ValidationError> {
        let bad = |m: String| ValidationError::new("rendition", m);
        let (size, ext) = name
            .rsplit_once('.')
            .ok_or_else(|| bad("must be {width}w.{webp|jpg} or {width}x{height}.{ext}".into()))?;
        let format = OutputFormat::parse(ext)
            .ok_or_else(|| bad(format!("format {ext:?} is not one of webp, jpg")))?;
        let number = |s: &str| -> Result<u32, ValidationError> {
            // One spelling per size: no leading zeros.
            if s.is_empty()
                || s.len() > 5
                || s.starts_with('0')
                || !s.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad(format!("{s:?} is not a size")));
            }
            s.parse().map_err(|_| bad(format!("{s:?} is not a size")))
        };
        let (width, height) = if let Some(w) = size.strip_suffix('w') {
            (number(w)?, None)
        } else if let Some((w, h)) = size.split_once('x') {
            (number(w)?, Some(number(h)?))
        } else {
            return Err(bad(
                "must be {width}w.{webp|jpg} or {width}x{height}.{ext}".into()
            ));
        };
        if !WIDTHS.contains(&width) {
            return Err(bad(format!("width {width} is not one of {WIDTHS:?}")));
        }
        if let Some(h) = height
            && ratio_of(width, h).is_none()
        {
            return Err(bad(format!(
                "{width}x{h} is not a crop of ratio 16:9, 4:3, 1:1 or 3:2 at an allowed width"
            )));
        }
        Ok(Self {
            width,
            height,
            format,
        })
    }

    /// The URL name (`800w.webp`, `800x450.jpg`).
    pub fn name(&self) -> String {
        match self.height {
            Some(h) => format!("{}x{h}.{}", self.width, self.format.extension()),
            None => format!("{}w.{}", self.width, self.format.extension()),
        }
    }
}

/// The allowed ratio whose height at `width` is `height`.
fn ratio_of(width: u32, height: u32) -> Option<(u32, u32)> {
    RATIOS
        .into_iter()
        .find(|(rw, rh)| crop_height(width, (*rw, *rh)) == height)
}

/// The height of a crop of `ratio` at `width` (rounded).
pub fn crop_height(width: u32, (rw, rh): (u32, u32)) -> u32 {
    ((u64::from(width) * u64::from(rh) + u64::from(rw) / 2) / u64::from(rw)) as u32
}

/// What to cut from the original and the size to scale it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The region of the original: x, y, width, height.
    pub crop: (u32, u32, u32, u32),
    /// The output size (never larger than the region: no upscaling).
    pub out: (u32, u32),
}

/// Plans a rendition of a `src_w` × `src_h` original.
pub fn plan(src_w: u32, src_h: u32, spec: &RenditionSpec, focal: FocalPoint) -> Plan {
    let src_w = src_w.max(1);
    let src_h = src_h.max(1);
    match spec.height {
        None => {
            let w = spec.width.min(src_w);
            let h = scaled(src_h, w, src_w);
            Plan {
                crop: (0, 0, src_w, src_h),
                out: (w, h),
            }
        }
        Some(h) => {
            // The largest region of the target ratio inside the original.
            let (tw, th) = (u64::from(spec.width), u64::from(h));
            let (sw, sh) = (u64::from(src_w), u64::from(src_h));
            let (cw, ch) = if sw * th >= sh * tw {
                (((sh * tw) / th).max(1), sh)
            } else {
                (sw, ((sw * th) / tw).max(1))
            };
            let (cw, ch) = (cw as u32, ch as u32);
            let x = centred(focal.x, src_w, cw);
            let y = centred(focal.y, src_h, ch);
            let ow = spec.width.min(cw);
            let oh = if ow == spec.width {
                h
            } else {
                scaled(h, ow, spec.width)
            };
            Plan {
                crop: (x, y, cw, ch),
                out: (ow, oh.min(ch)),
            }
        }
    }
}

/// `value * num / den`, rounded, at least 1.
fn scaled(value: u32, num: u32, den: u32) -> u32 {
    let v = (u64::from(value) * u64::from(num) + u64::from(den) / 2) / u64::from(den.max(1));
    (v as u32).max(1)
}

/// The start of a `len` window around `at` (0–1) of `total`, kept inside.
fn centred(at: f64, total: u32, len: u32) -> u32 {
    let centre = at * f64::from(total);
    let start = (centre - f64::from(len) / 2.0).round();
    let max = f64::from(total.saturating_sub(len));
    start.clamp(0.0, max) as u32
}

/// The version of a picture's crops: it changes with the focal point, so
/// a crop's URL (cached for a year) changes too.
pub fn crop_version(focal: FocalPoint) -> String {
    let raw = format!("{:.4},{:.4}", focal.x, focal.y);
    format!("{:08x}", xxhash_rust::xxh3::xxh3_64(raw.as_bytes()) as u32)
}

/// Where a rendition lives below `/images/` (URLs, `segment` is the
/// picture's [`ImageAsset::url_segment`]) and `renditions/` (the store,
/// `segment` is its id): `{segment}/{name}`, a crop
/// `{segment}/{version}/{name}`.
pub fn rendition_path(segment: &str, focal: FocalPoint, spec: &RenditionSpec) -> String {
    match spec.height {
        Some(_) => format!("{segment}/{}/{}", crop_version(focal), spec.name()),
        None => format!("{segment}/{}", spec.name()),
    }
}

/// The URL of a rendition under `base` (no trailing slash).
pub fn rendition_url(base: &str, asset: &ImageAsset, spec: &RenditionSpec) -> String {
    format!(
        "{base}/images/{}",
        rendition_path(&asset.url_segment(), asset.focal_point, spec)
    )
}

/// Length of a picture's URL key, in hex digits (128 random bits).
pub const URL_KEY_LEN: usize = 32;

/// A rendition URL's picture segment: the id, and the key after a `-`
/// when there is one. `None` when it is neither (`/images/x/…`).
pub fn parse_segment(segment: &str) -> Option<(i64, Option<&str>)> {
    let (id, key) = match segment.split_once('-') {
        Some((id, key)) => (id, Some(key)),
        None => (segment, None),
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id = id.parse().ok().filter(|id: &i64| *id > 0)?;
    if key.is_some_and(|k| k.len() != URL_KEY_LEN || !k.bytes().all(|b| b.is_ascii_hexdigit())) {
        return None;
    }
    Some((id, key))
}

/// A `sizes` hint for a picture as wide as the text column.
pub const SIZES: &str = "(max-width: 800px) 100vw, 800px";

/// Every width rendition of a picture (WebP, then JPEG), its `srcset` (of
/// the WebP ones) and its largest JPEG's URL.
pub fn renditions(base: &str, a: &ImageAsset) -> (Vec<crate::block::Rendition>, String, String) {
    let mut out = Vec::new();
    for format in [OutputFormat::WebP, OutputFormat::Jpeg] {
        for w in a.widths() {
            let spec = RenditionSpec {
                width: w,
                height: None,
                format,
            };
            let (width, height) = plan(a.width, a.height, &spec, a.focal_point).out;
            out.push(crate::block::Rendition {
                url: rendition_url(base, a, &spec),
                width,
                height,
                mime: format.mime().to_owned(),
            });
        }
    }
    let srcset = out
        .iter()
        .filter(|r| r.mime == "image/webp")
        .map(|r| format!("{} {}w", r.url, r.width))
        .collect::<Vec<_>>()
        .join(", ");
    let largest = out
        .iter()
        .rfind(|r| r.mime == "image/jpeg")
        .map(|r| r.url.clone())
        .unwrap_or_default();
    (out, srcset, largest)
}

impl crate::block::Image {
    /// Fills in an uploaded picture: its URL (the largest JPEG), size,
    /// renditions, placeholder and focal point; its alt text, caption and
    /// credit where the article gives none.
    pub fn attach(&mut self, base: &str, a: &ImageAsset) {
        let (renditions, srcset, largest) = renditions(base, a);
        self.image_id = Some(a.id.to_string());
        self.url = largest;
        self.width = Some(a.width);
        self.height = Some(a.height);
        self.focal_point = Some(a.focal_point);
        self.placeholder = Some(a.placeholder.clone());
        self.dominant_color = Some(a.dominant_color.clone());
        self.decorative = a.decorative;
        self.renditions = renditions;
        self.srcset = Some(srcset);
        self.sizes = Some(SIZES.to_owned());
        for (mine, theirs) in [
            (&mut self.alt, &a.alt),
            (&mut self.caption, &a.caption),
            (&mut self.credit, &a.credit),
        ] {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
    }

    /// The smallest rendition of `mime` at least `width` wide, else the
    /// largest one (`None` for an outside URL).
    pub fn rendition_near(&self, width: u32, mime: &str) -> Option<&crate::block::Rendition> {
        let of = || self.renditions.iter().filter(move |r| r.mime == mime);
        of().find(|r| r.width >= width).or_else(|| of().next_back())
    }

    /// The URL of a crop of an uploaded picture (`spec` with a height),
    /// under the base its renditions were made with.
    pub fn crop_url(&self, spec: &RenditionSpec) -> Option<String> {
        self.image_id.as_ref()?;
        // The base and the picture's segment (`{id}-{key}`) as its
        // renditions were made with.
        let (base, rest) = self.renditions.first()?.url.split_once("/images/")?;
        let segment = rest.split('/').next()?;
        let path = rendition_path(segment, self.focal_point.unwrap_or_default(), spec);
        Some(format!("{base}/images/{path}"))
    }

    /// An uploaded picture with neither alt text nor the decorative mark
    /// (an article may not be published with it).
    pub fn lacks_alt(&self) -> bool {
        self.image_id.is_some()
            && !self.decorative
            && self.alt.as_deref().is_none_or(|a| a.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(s: &str) -> RenditionSpec {
        RenditionSpec::parse(s).unwrap()
    }

    #[test]
    fn specs_outside_the_allow_list_are_refused() {
        assert_eq!(spec("800w.webp").width, 800);
        assert_eq!(spec("800x450.jpg").height, Some(450));
        assert_eq!(spec("1200x900.webp").height, Some(900));
        assert_eq!(spec("640x640.jpg").height, Some(640));
        assert_eq!(spec("480x320.jpg").height, Some(320));
        assert_eq!(spec("160x90.jpg").height, Some(90));
        for bad in [
            "801w.webp",
            "800w.png",
            "800w",
            "800x451.jpg",
            "800x.jpg",
            "x450.jpg",
            "w.jpg",
            "+800w.jpg",
            "99999999999w.jpg",
            "800W.jpg",
            "0800w.webp",
        ] {
            assert!(RenditionSpec::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(spec("800x450.jpg").name(), "800x450.jpg");
        assert_eq!(spec("160w.webp").name(), "160w.webp");
    }

    #[test]
    fn a_width_rendition_keeps_the_ratio_and_never_upscales() {
        let p = plan(4000, 3000, &spec("800w.webp"), FocalPoint::default());
        assert_eq!(p.crop, (0, 0, 4000, 3000));
        assert_eq!(p.out, (800, 600));
        let small = plan(500, 300, &spec("2000w.jpg"), FocalPoint::default());
        assert_eq!(small.out, (500, 300));
    }

    #[test]
    fn a_crop_is_cut_around_the_focal_point_and_kept_inside() {
        // 16:9 from 4:3: full width, 2250 of 3000 rows.
        let centre = plan(4000, 3000, &spec("800x450.jpg"), FocalPoint::default());
        assert_eq!(centre.crop, (0, 375, 4000, 2250));
        assert_eq!(centre.out, (800, 450));
        let top = plan(
            4000,
            3000,
            &spec("800x450.jpg"),
            FocalPoint::new(0.5, 0.1).unwrap(),
        );
        assert_eq!(top.crop.1, 0, "clamped at the top");
        let low = plan(
            4000,
            3000,
            &spec("800x450.jpg"),
            FocalPoint::new(0.5, 0.6).unwrap(),
        );
        assert_eq!(low.crop.1, 675);
        let bottom = plan(
            4000,
            3000,
            &spec("800x450.jpg"),
            FocalPoint::new(0.5, 0.9).unwrap(),
        );
        assert_eq!(bottom.crop.1, 750, "clamped at the bottom");
        // 1:1 from landscape: the square moves along x.
        let left = plan(
            4000,
            3000,
            &spec("640x640.webp"),
            FocalPoint::new(0.2, 0.5).unwrap(),
        );
        assert_eq!(left.crop, (0, 0, 3000, 3000));
        let right = plan(
            4000,
            3000,
            &spec("640x640.webp"),
            FocalPoint::new(0.9, 0.5).unwrap(),
        );
        assert_eq!(right.crop, (1000, 0, 3000, 3000));
        // A crop larger than the picture is not upscaled; the ratio stays.
        let tiny = plan(300, 300, &spec("800x450.jpg"), FocalPoint::default());
        assert_eq!(tiny.crop, (0, 66, 300, 168));
        assert_eq!(tiny.out, (300, 168));
    }

    /// A 1000×500 JPEG with no text and the default focal point.
    fn asset(id: i64) -> ImageAsset {
        let now = chrono::Utc::now();
        ImageAsset {
            id,
            url_key: Some("0123456789abcdef0123456789abcdef".into()),
            width: 1000,
            height: 500,
            format: SourceFormat::Jpeg,
            bytes: 1,
            focal_point: FocalPoint::default(),
            alt: None,
            caption: None,
            credit: None,
            decorative: false,
            placeholder: String::new(),
            dominant_color: "#000000".into(),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn renditions_are_picked_by_width_and_crops_keep_their_base() {
        let asset = asset(7);
        let mut img = crate::block::Image::default();
        img.attach("https://img.test", &asset);
        let near = |w| img.rendition_near(w, "image/jpeg").map(|r| r.width);
        assert_eq!(near(500), Some(640));
        assert_eq!(near(160), Some(160));
        assert_eq!(near(1600), Some(800), "the largest when none is as wide");
        let seg = "7-0123456789abcdef0123456789abcdef";
        assert_eq!(img.url, format!("https://img.test/images/{seg}/800w.jpg"));
        let crop = img.crop_url(&spec("640x360.webp")).unwrap();
        let version = crop_version(FocalPoint::default());
        assert_eq!(
            crop,
            format!("https://img.test/images/{seg}/{version}/640x360.webp")
        );
        // A picture from before keys keeps its bare-id URLs.
        let mut old = crate::block::Image::default();
        old.attach(
            "https://img.test",
            &ImageAsset {
                url_key: None,
                ..asset
            },
        );
        assert_eq!(old.url, "https://img.test/images/7/800w.jpg");
        assert_eq!(
            old.crop_url(&spec("640x360.webp")).unwrap(),
            format!("https://img.test/images/7/{version}/640x360.webp")
        );
        assert_eq!(
            crate::block::Image::default().crop_url(&spec("640x360.webp")),
            None
        );
    }

    #[test]
    fn url_segments_name_a_picture_only_with_its_key() {
        let key = "0123456789abcdef0123456789abcdef";
        assert_eq!(parse_segment(&format!("7-{key}")), Some((7, Some(key))));
        assert_eq!(parse_segment("7"), Some((7, None)));
        for bad in [
            "",
            "x",
            "-1",
            "0",
            "7-",
            "7-abc",
            "7-0123456789abcdef0123456789abcdeg",
            "+7",
        ] {
            assert_eq!(parse_segment(bad), None, "{bad}");
        }
        let keyed = asset(7);
        assert!(keyed.answers_to(Some(key)));
        assert!(
            !keyed.answers_to(None),
            "a keyed picture is not found by id"
        );
        assert!(!keyed.answers_to(Some("0123456789abcdef0123456789abcdee")));
        let old = ImageAsset {
            url_key: None,
            ..asset(7)
        };
        assert!(old.answers_to(None));
        assert!(!old.answers_to(Some(key)));
    }

    #[test]
    fn focal_points_are_fractions() {
        assert!(FocalPoint::new(0.0, 1.0).is_ok());
        assert!(FocalPoint::new(1.1, 0.5).is_err());
        assert!(FocalPoint::new(f64::NAN, 0.5).is_err());
        assert!(FocalPoint::new(0.5, -0.01).is_err());
    }

    #[test]
    fn formats_are_known_by_mime_and_extension() {
        assert_eq!(
            SourceFormat::from_extension("ছবি.JPG"),
            Some(SourceFormat::Jpeg)
        );
        assert_eq!(SourceFormat::from_extension("a.gif"), None);
        assert_eq!(SourceFormat::from_extension("noext"), None);
        assert_eq!(
            SourceFormat::from_mime("image/webp"),
            Some(SourceFormat::WebP)
        );
    }

    #[test]
    fn alt_text_or_decoration_makes_a_picture_publishable() {
        let mut a = asset(1);
        assert!(!a.accessible());
        a.alt = Some("নদীর তীরে নৌকা".into());
        assert!(a.accessible());
        a.alt = None;
        a.decorative = true;
        assert!(a.accessible());
        assert_eq!(a.widths(), vec![160, 320, 480, 640, 800]);
        a.width = 100;
        assert_eq!(a.widths(), vec![160]);
    }
}
