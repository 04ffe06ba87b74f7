//! `/v1/edition`: the date line of the day's edition.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::views::{DataView, EditionView};
use crate::error::ApiError;
use crate::service::ContentService;

#[derive(Debug, Deserialize)]
pub struct EditionParams {
    at: Option<String>,
    place: Option<String>,
    calendar: Option<String>,
}

pub async fn edition(
    svc: web::Data<ContentService>,
    params: web::Query<EditionParams>,
) -> Result<HttpResponse, ApiError> {
    let e = svc.edition(
        params.at.as_deref(),
        params.place.as_deref(),
        params.calendar.as_deref(),
    )?;
    let res = HttpResponse::Ok().json(DataView {
        data: EditionView::new(&e),
    });
    Ok(crate::cache::keys(
        res,
        crate::cache::Kind::Item,
        vec!["edition".to_owned()],
    ))
}
