//! `/v1/edition`: the date line of the day's edition.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::views::{DataView, EditionView};
use crate::http::error::ApiError;
use crate::http::keys;
use app::content::ContentService;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EditionParams {
    /// The instant (RFC 3339); default now.
    #[param(format = DateTime)]
    at: Option<String>,
    /// Place name on the line (plain text); default ঢাকা.
    #[param(max_length = 60)]
    place: Option<String>,
    /// Bangla calendar rule: the 2019 revision (Bangladesh) or the 1987 one.
    #[param(value_type = Option<CalendarRule>)]
    calendar: Option<String>,
    /// Adds `lineLocal` in this locale (`en` or `bn`).
    #[param(example = "en")]
    locale: Option<String>,
}

/// Bangla calendar rule.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum CalendarRule {
    #[schema(rename = "2019")]
    Rule2019,
    #[schema(rename = "1987")]
    Rule1987,
}

/// The date line of the day's edition (Gregorian and Bangla dates).
#[utoipa::path(
    get,
    path = "/v1/edition",
    tag = "articles",
    params(EditionParams),
    responses(
        (status = 200, description = "The edition line", body = DataView<EditionView>),
        (status = 304, response = crate::openapi::responses::NotModified),
        (status = 400, response = crate::openapi::responses::BadRequest),
    )
)]
pub async fn edition(
    svc: web::Data<ContentService>,
    params: web::Query<EditionParams>,
) -> Result<HttpResponse, ApiError> {
    let e = svc.edition(
        params.at.as_deref(),
        params.place.as_deref(),
        params.calendar.as_deref(),
    )?;
    let locale = super::fields::FieldSet::all()
        .with_locale(params.locale.as_deref())?
        .locale;
    let res = HttpResponse::Ok().json(DataView {
        data: EditionView::localised(&e, locale),
    });
    Ok(crate::http::cache::keys(
        res,
        crate::http::cache::Kind::Item,
        vec![keys::EDITION.to_owned()],
    ))
}
