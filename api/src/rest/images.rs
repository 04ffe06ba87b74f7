//! Pictures over HTTP: editors upload and describe them
//! (`/v1/admin/images`), everyone fetches renditions (`/images/…`), made on
//! first request and cached for a year.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use app::AppError;
use app::content::ContentService;
use app::images::{ImageFields, ImageService, Upload, crop_version};
use domain::Scope;
use domain::image::{ImageAsset, RATIOS, RenditionSpec, crop_height, rendition_url};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::{json_body, private};
use crate::http::auth;
use crate::http::error::ApiError;
use crate::openapi::schema::{FocalPointView, RenditionView};
use crate::rest::views::DataView;

use app::fields::record_id as id;

/// An uploaded picture.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImageView {
    pub id: String,
    /// Of the stored original (EXIF orientation applied).
    pub width: u32,
    pub height: u32,
    /// Of the stored original (metadata removed).
    pub mime: &'static str,
    pub focal_point: FocalPointView,
    /// ThumbHash, base64: decode it to paint a blurred preview.
    pub placeholder: String,
    /// `#rrggbb`.
    pub dominant_color: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub decorative: bool,
    /// The largest JPEG rendition.
    pub url: String,
    /// Every width of the allow-list the picture fills, WebP and JPEG.
    pub renditions: Vec<RenditionView>,
    /// `srcset` of the WebP widths.
    pub srcset: String,
    /// A `sizes` hint for a picture as wide as the column.
    pub sizes: &'static str,
    /// URL templates of the crops (`{width}` from the allow-list).
    pub crops: Vec<CropView>,
}

/// A fixed-ratio crop around the focal point.
#[derive(Debug, Serialize, ToSchema)]
pub struct CropView {
    /// `16:9`, `4:3`, `1:1`, `3:2`.
    pub ratio: String,
    /// `{width}` is one of the allowed widths, `{height}` follows from it.
    pub template: String,
}

impl ImageView {
    pub fn new(base: &str, a: &ImageAsset) -> Self {
        let (renditions, srcset, url) = domain::image::renditions(base, a);
        let version = crop_version(a.focal_point);
        let crops = RATIOS
            .iter()
            .map(|(rw, rh)| CropView {
                ratio: format!("{rw}:{rh}"),
                template: format!(
                    "{base}/images/{}/{version}/{{width}}x{{height}}.webp",
                    a.url_segment()
                ),
            })
            .collect();
        Self {
            id: a.id.to_string(),
            width: a.width,
            height: a.height,
            mime: a.format.mime(),
            focal_point: FocalPointView {
                x: a.focal_point.x,
                y: a.focal_point.y,
            },
            placeholder: a.placeholder.clone(),
            dominant_color: a.dominant_color.clone(),
            alt: a.alt.clone(),
            caption: a.caption.clone(),
            credit: a.credit.clone(),
            decorative: a.decorative,
            url,
            renditions: renditions
                .into_iter()
                .map(|r| RenditionView {
                    url: r.url,
                    width: r.width,
                    height: r.height,
                    mime: r.mime,
                })
                .collect(),
            srcset,
            sizes: domain::image::SIZES,
            crops,
        }
    }
}

/// Reads at most `max` bytes of a body; more is a 413.
async fn read_capped(mut payload: web::Payload, max: usize) -> Result<web::Bytes, ApiError> {
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::from(AppError::invalid("body", "was cut off")))?;
        if buf.len() + chunk.len() > max {
            return Err(AppError::PayloadTooLarge.into());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// The `file` part of a multipart upload.
async fn multipart_file(
    req: &HttpRequest,
    payload: web::Payload,
    max: usize,
) -> Result<Upload, ApiError> {
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|e| ApiError::from(AppError::invalid("body", e.to_string())))?;
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let declared_mime = field.content_type().map(|m| m.essence_str().to_owned());
        let mut buf = web::BytesMut::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::from(AppError::invalid("file", e.to_string())))?;
            if buf.len() + chunk.len() > max {
                return Err(AppError::PayloadTooLarge.into());
            }
            buf.extend_from_slice(&chunk);
        }
        return Ok(Upload {
            bytes: buf.freeze(),
            declared_mime,
            file_name,
        });
    }
    Err(AppError::invalid("file", "a multipart upload needs a part named `file`").into())
}

/// Uploads a picture (editor): the raw bytes as the body (`Content-Type`
/// `image/jpeg`, `image/png`, `image/webp` or `application/octet-stream`)
/// or `multipart/form-data` with a part named `file`.
#[utoipa::path(
    post,
    path = "/v1/admin/images",
    tag = "images",
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "The picture (or multipart/form-data with a `file` part)"),
    security(("apiKey" = [])),
    responses(
        (status = 201, description = "The stored picture", body = DataView<ImageView>),
        (status = 200, description = "The same bytes were uploaded before: that picture", body = DataView<ImageView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 413, response = crate::openapi::responses::PayloadTooLarge),
        (status = 415, response = crate::openapi::responses::UnsupportedMediaType),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn upload_image(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    images: web::Data<ImageService>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let key = auth::require(&svc, &req, Scope::Editor).await?;
    let max = images.settings().max_bytes;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let up = if content_type.starts_with("multipart/form-data") {
        multipart_file(&req, payload, max).await?
    } else {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        if essence.is_empty() {
            return Err(AppError::UnsupportedMediaType(
                "send the picture with its Content-Type (image/jpeg, image/png, image/webp), or as multipart/form-data".into(),
            )
            .into());
        }
        Upload {
            bytes: read_capped(payload, max).await?,
            declared_mime: Some(essence),
            file_name: None,
        }
    };
    let (asset, created) = images.upload(&key, up).await?;
    let status = if created {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(private(
        HttpResponse::build(status)
            .insert_header((header::LOCATION, format!("/v1/admin/images/{}", asset.id)))
            .json(DataView {
                data: ImageView::new(svc.image_base(), &asset),
            }),
    ))
}

/// A picture's metadata and renditions (editor).
#[utoipa::path(
    get,
    path = "/v1/admin/images/{id}",
    tag = "images",
    params(("id" = u64, Path, description = "Image id")),
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The picture", body = DataView<ImageView>),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn get_image(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    images: web::Data<ImageService>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth::require(&svc, &req, Scope::Editor).await?;
    let asset = images.get(id(&path, "image")?).await?;
    Ok(private(HttpResponse::Ok().json(DataView {
        data: ImageView::new(svc.image_base(), &asset),
    })))
}

/// What an editor may change of a picture.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImagePatch {
    /// Alt text (required before an article with the picture is published,
    /// unless it is decorative); `null` clears it.
    #[serde(default, deserialize_with = "crate::openapi::schema::present")]
    #[schema(value_type = Option<String>)]
    pub alt: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::openapi::schema::present")]
    #[schema(value_type = Option<String>)]
    pub caption: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::openapi::schema::present")]
    #[schema(value_type = Option<String>)]
    pub credit: Option<Option<String>>,
    pub decorative: Option<bool>,
    pub focal_point: Option<FocalPointView>,
}

/// Sets alt text, caption, credit, decoration and the focal point
/// (editor). Crops move with the focal point and get new URLs.
#[utoipa::path(
    patch,
    path = "/v1/admin/images/{id}",
    tag = "images",
    params(("id" = u64, Path, description = "Image id")),
    request_body = ImagePatch,
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The picture", body = DataView<ImageView>),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
        (status = 415, response = crate::openapi::responses::UnsupportedMediaType),
        (status = 422, response = crate::openapi::responses::Unprocessable),
    )
)]
pub async fn update_image(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    images: web::Data<ImageService>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = auth::require(&svc, &req, Scope::Editor).await?;
    let patch: ImagePatch = json_body(&req, &body)?;
    let asset = images
        .update(
            &key,
            id(&path, "image")?,
            ImageFields {
                alt: patch.alt,
                caption: patch.caption,
                credit: patch.credit,
                decorative: patch.decorative,
                focal_point: patch.focal_point.map(|f| (f.x, f.y)),
            },
        )
        .await?;
    Ok(private(HttpResponse::Ok().json(DataView {
        data: ImageView::new(svc.image_base(), &asset),
    })))
}

/// The whole picture at a width of the allow-list (160, 320, 480, 640,
/// 800, 1200, 1600, 2000; never upscaled): `{width}w.webp` or `.jpg`.
#[utoipa::path(
    get,
    path = "/images/{picture}/{rendition}",
    tag = "images",
    params(
        ("picture" = String, Path, description = "`{id}-{key}` as the picture's URLs name it (the key keeps pictures of unpublished stories from being found by walking ids; pictures uploaded before keys existed are `{id}`)"),
        ("rendition" = String, Path, description = "`{width}w.webp` or `{width}w.jpg`"),
    ),
    responses(
        (status = 200, description = "The rendition", content(
            (Vec<u8> = "image/webp"),
            (Vec<u8> = "image/jpeg"),
        )),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn image_rendition(
    req: HttpRequest,
    images: web::Data<ImageService>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (raw_id, name) = path.into_inner();
    let spec = RenditionSpec::parse(&name).map_err(|e| AppError::Invalid(vec![e]))?;
    if spec.height.is_some() {
        return Err(AppError::invalid(
            "rendition",
            "crops are under /images/{picture}/{version}/{width}x{height}.{ext}: take the URL from the API",
        )
        .into());
    }
    serve(&req, &images, &raw_id, spec).await
}

/// A crop of ratio 16:9, 4:3, 1:1 or 3:2 around the focal point
/// (`{width}x{height}.webp|jpg`); a URL of an older version (the focal
/// point moved since) redirects to the current one.
#[utoipa::path(
    get,
    path = "/images/{picture}/{version}/{rendition}",
    tag = "images",
    params(
        ("picture" = String, Path, description = "`{id}-{key}` as the picture's URLs name it"),
        ("version" = String, Path, description = "The crop version (from the image's `crops` templates)"),
        ("rendition" = String, Path, description = "`{width}x{height}.webp` or `.jpg`"),
    ),
    responses(
        (status = 200, description = "The crop", content(
            (Vec<u8> = "image/webp"),
            (Vec<u8> = "image/jpeg"),
        )),
        (status = 302, description = "The focal point moved: the current crop's URL"),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, response = crate::openapi::responses::BadRequest),
        (status = 404, response = crate::openapi::responses::NotFound),
    )
)]
pub async fn image_crop(
    req: HttpRequest,
    svc: web::Data<ContentService>,
    images: web::Data<ImageService>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (raw_id, version, name) = path.into_inner();
    let spec = RenditionSpec::parse(&name).map_err(|e| AppError::Invalid(vec![e]))?;
    let Some(h) = spec.height else {
        return Err(AppError::invalid("rendition", "a crop is {width}x{height}.{ext}").into());
    };
    debug_assert!(RATIOS.iter().any(|r| crop_height(spec.width, *r) == h));
    let asset = images.get_for_readers(&raw_id).await?;
    if version != crop_version(asset.focal_point) {
        return Ok(HttpResponse::Found()
            .insert_header((
                header::LOCATION,
                rendition_url(svc.image_base(), &asset, &spec),
            ))
            .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
            .finish());
    }
    bytes_response(&req, images.rendition(&asset, spec).await?)
}

async fn serve(
    req: &HttpRequest,
    images: &ImageService,
    raw_id: &str,
    spec: RenditionSpec,
) -> Result<HttpResponse, ApiError> {
    // The bytes of a width never depend on the focal point.
    if let Some(hit) = images.cached(raw_id, &spec).await {
        return bytes_response(req, hit);
    }
    let asset = images.get_for_readers(raw_id).await?;
    bytes_response(req, images.rendition(&asset, spec).await?)
}

fn bytes_response(req: &HttpRequest, r: app::images::Rendition) -> Result<HttpResponse, ApiError> {
    let matches = HeaderValue::from_str(&r.etag)
        .is_ok_and(|etag| crate::http::cache::matches(req.headers(), &etag));
    let mut res = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, r.etag.clone()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"));
    if matches {
        return Ok(res.finish());
    }
    Ok(res.content_type(r.mime).body(r.bytes))
}
