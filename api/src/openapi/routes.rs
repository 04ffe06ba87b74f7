//! The route log: every route as it is registered, so a test can hold the
//! document against what the server really serves.

use std::collections::BTreeSet;
use std::sync::Mutex;

use actix_web::{FromRequest, Handler, HttpResponse, Responder, web};

use crate::http::error::ApiError;

static ROUTES: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());

/// Notes a route as it is registered (`path` in actix syntax, methods as in
/// an `Allow` header), so a test can hold the document against what the
/// server really serves.
pub fn log_route(path: &str, allow: &str) {
    let path = template(path);
    if let Ok(mut routes) = ROUTES.lock() {
        for method in allow.split(',').map(str::trim).filter(|m| *m != "HEAD") {
            routes.insert((path.clone(), method.to_ascii_lowercase()));
        }
    }
}

/// Every (path, method) registered so far in this process (HEAD aside: it
/// answers wherever GET does).
pub fn registered_routes() -> BTreeSet<(String, String)> {
    ROUTES.lock().map(|r| r.clone()).unwrap_or_default()
}

/// A read-only resource: GET and HEAD (actix sends HEAD answers without a
/// body); any other method gets a 405 problem with `Allow`.
pub fn get<F, Args>(cfg: &mut web::ServiceConfig, path: &str, handler: F)
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    log_route(path, "GET, HEAD");
    cfg.service(
        web::resource(path)
            .route(web::get().to(handler.clone()))
            .route(web::head().to(handler))
            .default_service(web::to(method_not_allowed))
            .wrap(crate::http::cors::public()),
    );
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed("GET, HEAD"))
}

/// An actix pattern as an OpenAPI path template: `{id:\d+}` is `{id}`.
fn template(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let (mut depth, mut skipping) = (0usize, false);
    for c in pattern.chars() {
        match c {
            '{' => {
                depth += 1;
                if !skipping {
                    out.push(c);
                }
            }
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    skipping = false;
                    out.push(c);
                }
            }
            ':' if depth == 1 && !skipping => skipping = true,
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::openapi::routes::template;

    #[test]
    fn regex_constraints_leave_the_template() {
        assert_eq!(
            template(r"/v1/admin/articles/{id:\d+}/comments"),
            "/v1/admin/articles/{id}/comments"
        );
        assert_eq!(
            template("/v1/articles/{id_or_slug}"),
            "/v1/articles/{id_or_slug}"
        );
        assert_eq!(
            template("/sitemaps/articles-{n}.xml"),
            "/sitemaps/articles-{n}.xml"
        );
    }
}
