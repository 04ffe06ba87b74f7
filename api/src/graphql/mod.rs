//! GraphQL: the schema (built by a plain function, no HTTP needed, so
//! `barta schema` and tests can print it) and its actix handlers.

mod comments;
mod context;
mod executor;
mod graphiql;
mod limits;
mod live;
mod loaders;
mod mutation;
mod nulls;
mod order;
mod query;
mod results;
pub mod subscription;
mod taxonomy;
mod types;
mod values;
mod webhooks;
mod ws_budget;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use app::AppError;
use async_graphql::{BatchRequest, BatchResponse, Response, Schema, ServerError};
use async_graphql_actix_web::GraphQLRequest;
use std::sync::Arc;

pub use context::{global_id, parse_global_id};
pub use executor::GraphqlExecutor;
use executor::Via;
pub use mutation::Mutation;
pub use query::Query;

use app::auth::Caller;
use app::comments::CommentService;
use app::content::ContentService;
use app::discovery::DiscoveryService;
use app::editorial::EditorialService;

pub type BartaSchema = Schema<Query, Mutation, subscription::Subscription>;

/// Deepest selection allowed (the article page needs about 6; the standard
/// introspection query of graphql-js, which GraphiQL, code generators and
/// schemathesis send, is 15 deep).
pub const MAX_DEPTH: usize = 15;
/// Complexity budget: a home screen (several lists of 20 with their
/// sections, authors and tags) fits; a 100-alias bomb does not.
pub const MAX_COMPLEXITY: usize = 3_000;

/// Largest POST body (bytes): a batch of the largest queries fits.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Largest query document (bytes); an app's biggest screen is ~3 KB.
pub const MAX_QUERY_BYTES: usize = 32 * 1024;
/// Most aliased fields in one document.
pub const MAX_ALIASES: usize = 64;
/// Most operations in one batch (POST with a JSON array).
pub const MAX_BATCH: usize = 10;

/// Builds the schema. Without a service it can still print its SDL.
pub fn build_schema(svc: Option<(ContentService, DiscoveryService)>) -> BartaSchema {
    // No extensions: the request pipeline around the schema is
    // `executor.rs` (with one, every field would pass through it).
    let mut builder = Schema::build(Query, Mutation, subscription::Subscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .limit_directives(8);
    if let Some((svc, discovery)) = svc {
        builder = builder
            .data(EditorialService::new(svc.clone()))
            .data(app::live::LiveService::new(svc.clone()))
            .data(discovery)
            .data(svc);
    }
    builder.finish()
}

/// The SDL checked in as `schema.graphql`, with the `@specifiedBy` of
/// the scalars that introspection reports.
pub fn sdl() -> String {
    build_schema(None)
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}

/// The stable GraphQL code of a service error (`extensions.code`).
fn graphql_code(e: &AppError) -> &'static str {
    match e {
        AppError::Invalid(_) | AppError::Unprocessable(_) => "BAD_USER_INPUT",
        AppError::Unauthorized => "UNAUTHENTICATED",
        AppError::Forbidden(_) | AppError::CommentsClosed => "FORBIDDEN",
        AppError::Conflict(..) | AppError::PreconditionFailed { .. } => "CONFLICT",
        AppError::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
        AppError::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
        AppError::TooManyRequests { .. } => "RATE_LIMITED",
        AppError::NotFound(_) => "NOT_FOUND",
        AppError::Unavailable(_) => "SERVICE_UNAVAILABLE",
        AppError::Overloaded => "OVERLOADED",
        AppError::Internal(_) => "INTERNAL_SERVER_ERROR",
    }
}

/// Fills a GraphQL error raised from an [`AppError`] (async-graphql keeps
/// it as the error's source): the client-facing message, a stable
/// `extensions.code` and, for invalid input, the offending fields. Our
/// faults are logged here, once.
fn decorate(app: &AppError, e: &mut ServerError) {
    crate::http::error::report(app);
    e.message = app.detail();
    let ext = e.extensions.get_or_insert_with(Default::default);
    ext.set("code", graphql_code(app));
    if !app.fields().is_empty() {
        // The services name REST's parameters; GraphQL's arguments are
        // `first` and `after`.
        e.message = app
            .fields()
            .iter()
            .map(|f| {
                let field = context::graphql_field(&f.field);
                format!("{field}: {}", f.message.replace("limit", "first"))
            })
            .collect::<Vec<_>>()
            .join("; ");
        let fields = app
            .fields()
            .iter()
            .map(|f| async_graphql::Value::from(context::graphql_field(&f.field)))
            .collect();
        ext.set("fields", async_graphql::Value::List(fields));
    }
    if let AppError::TooManyRequests { retry_after } = app {
        ext.set("retryAfter", *retry_after);
    }
}

fn add_code(e: &mut ServerError, executed: bool) {
    if let Some(source) = e.source.clone()
        && let Some(api) = source.downcast_ref::<AppError>()
    {
        decorate(api, e);
        return;
    }
    let has_code = e
        .extensions
        .as_ref()
        .is_some_and(|x| x.get("code").is_some());
    if has_code {
        return;
    }
    let code = match e.message.as_str() {
        "Query is nested too deep." => "QUERY_TOO_DEEP",
        "Query is too complex." => "QUERY_TOO_COMPLEX",
        // Apollo's clients resend the query when they see this code.
        "PersistedQueryNotFound" => "PERSISTED_QUERY_NOT_FOUND",
        _ if !executed && e.path.is_empty() => "GRAPHQL_VALIDATION_FAILED",
        _ => "BAD_USER_INPUT",
    };
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

/// `POST /graphql`: one operation, or a batch (a JSON array) of at most
/// [`MAX_BATCH`]. The body is read with a limit ([`MAX_BODY_BYTES`], 413).
pub async fn post(
    req: HttpRequest,
    graphql: web::Data<GraphqlExecutor>,
    svc: web::Data<ContentService>,
    body: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            let status = e.as_response_error().status_code();
            let (code, message) = if status == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                (
                    "REQUEST_TOO_LARGE",
                    format!("the request body exceeds {MAX_BODY_BYTES} bytes"),
                )
            } else {
                ("BAD_REQUEST", e.to_string())
            };
            return request_error(status, code, &message);
        }
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // JSON is the one body we take (no uploads, no `application/graphql`):
    // anything else, or nothing, is a 415 rather than a guess.
    let is_json = content_type.as_deref().is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if !is_json {
        return request_error(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "send the request as application/json",
        );
    }
    let batch = match async_graphql::http::receive_batch_body(
        content_type,
        body.as_ref(),
        async_graphql::http::MultipartOptions::default(),
    )
    .await
    {
        Ok(b) => b,
        Err(e) => {
            return request_error(
                actix_web::http::StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &e.to_string(),
            );
        }
    };
    if let BatchRequest::Batch(items) = &batch
        && items.len() > MAX_BATCH
    {
        return request_error(
            actix_web::http::StatusCode::BAD_REQUEST,
            "BATCH_TOO_LARGE",
            &format!(
                "a batch may hold at most {MAX_BATCH} operations, got {}",
                items.len()
            ),
        );
    }
    execute(&req, graphql, svc, batch, Via::Post).await
}

/// A GraphQL-shaped error for a request that never reached the schema.
fn request_error(status: actix_web::http::StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "errors": [{"message": message, "extensions": {"code": code}}]
        }))
}

/// `GET /graphql` with `Upgrade: websocket`: subscriptions (and queries)
/// over `graphql-transport-ws` or the older `graphql-ws`. A connection
/// takes a place in the same caps as an SSE stream.
pub async fn websocket(
    req: HttpRequest,
    graphql: web::Data<GraphqlExecutor>,
    hub: web::Data<Arc<crate::live::LiveHub>>,
    payload: web::Payload,
) -> HttpResponse {
    let slot = match crate::rest::sse::admit(&hub, &req) {
        Ok(slot) => slot,
        Err(refused) => return *refused,
    };
    let mut data = async_graphql::Data::default();
    // Each event is read fresh: the connection's loaders batch, never cache.
    if let Some(svc) = req.app_data::<web::Data<ContentService>>() {
        let loaders = loaders::loaders(svc.get_ref().clone());
        loaders.enable_all_cache(false);
        data.insert(loaders);
    }
    // No key travels over the socket: writes and previews need POST.
    data.insert(Caller::Anonymous);
    data.insert(subscription::Connection {
        hub: hub.get_ref().clone(),
        _slot: slot,
        open: Arc::default(),
    });
    // The connection ends (its subscriptions with it) when the instance
    // stops or the stream lifetime is over: ending what the client sends
    // stops the socket, so a drain never waits on an open WebSocket.
    let mut stopping = hub.stopping();
    let lifetime = hub.limits.lifetime;
    let end = Box::pin(async move {
        tokio::select! {
            _ = stopping.wait_for(|s| *s) => {}
            () = tokio::time::sleep(lifetime) => {}
        }
    });
    let payload = futures_util::StreamExt::take_until(payload, end);
    // A message in fragments is bounded like a POST body.
    let payload = ws_budget::MessageBudget::new(payload, MAX_BODY_BYTES);
    match async_graphql_actix_web::GraphQLSubscription::new(graphql.get_ref().clone())
        .with_data(data)
        .start(&req, payload)
    {
        Ok(res) => res,
        Err(_) => actix_web::ResponseError::error_response(&crate::http::error::ApiError::from(
            AppError::invalid(
                "Sec-WebSocket-Protocol",
                "must be graphql-transport-ws or graphql-ws, on a WebSocket upgrade",
            ),
        )),
    }
}

/// `GET /graphql`: GraphiQL for a browser, else a query from the URL.
pub async fn get(
    req: HttpRequest,
    graphql: web::Data<GraphqlExecutor>,
    svc: web::Data<ContentService>,
    request: Result<GraphQLRequest, actix_web::Error>,
) -> HttpResponse {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html && !req.query_string().contains("query=") {
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            .insert_header((header::VARY, "Accept"))
            .body(graphiql::PAGE.as_str());
    }
    let request = match request {
        Ok(r) => r.into_inner(),
        Err(e) => {
            return request_error(
                actix_web::http::StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &e.to_string(),
            );
        }
    };
    let result = execute(&req, graphql, svc, BatchRequest::Single(request), Via::Get).await;
    // A mutation, as text or named by a persisted-query hash, is refused
    // before it runs (METHOD_NOT_ALLOWED); over HTTP that is a 405.
    if result.extensions().get::<RefusedOverGet>().is_some() {
        return method_not_allowed();
    }
    result
}

fn method_not_allowed() -> HttpResponse {
    let mut res = request_error(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "mutations must be sent with POST",
    );
    res.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
    res
}

/// The scheme and host the request came to (`https://api.example`), for
/// absolute links in answers (a preview link's `url`).
#[derive(Clone, Debug)]
pub struct RequestOrigin(pub String);

/// Set on a response whose only error is a mutation refused over GET.
#[derive(Clone, Copy)]
struct RefusedOverGet;

async fn execute(
    req: &HttpRequest,
    graphql: web::Data<GraphqlExecutor>,
    svc: web::Data<ContentService>,
    batch: BatchRequest,
    via: Via,
) -> HttpResponse {
    let caller = match crate::http::auth::caller(&svc, req).await {
        Ok(c) => c,
        Err(e) => {
            e.log();
            Caller::Invalid
        }
    };
    let comments = req.app_data::<web::Data<CommentService>>();
    let hooks = req.app_data::<web::Data<app::webhooks::WebhookService>>();
    let feeds = req.app_data::<web::Data<crate::feeds::FeedState>>();
    let origin = {
        let info = req.connection_info();
        RequestOrigin(format!("{}://{}", info.scheme(), info.host()))
    };
    let prepare = |request: async_graphql::Request| {
        let mut request = request
            .data(loaders::loaders(svc.get_ref().clone()))
            .data(caller.clone())
            .data(origin.clone());
        if let Some(hooks) = hooks {
            request = request.data(hooks.get_ref().clone());
        }
        if let Some(feeds) = feeds {
            request = request.data(feeds.urls().clone());
        }
        // Comments share one flood guard between REST and GraphQL.
        if let Some(comments) = comments {
            request = request
                .data(crate::http::client::commenter(comments, req))
                .data(comments.get_ref().clone());
        }
        request
    };
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(r)),
        BatchRequest::Batch(rs) => BatchRequest::Batch(rs.into_iter().map(prepare).collect()),
    };
    let response = graphql.run_batch(batch, via).await;
    let (failed, refused) = match &response {
        BatchResponse::Single(r) => (!r.errors.is_empty(), refused_over_get(r)),
        BatchResponse::Batch(rs) => (rs.iter().any(|r| !r.errors.is_empty()), false),
    };
    let modern = wants_graphql_response(req);
    let (status, body) = match &response {
        // A request error (nothing executed: parse, validation, limits)
        // has no `data` entry (GraphQL over HTTP §7.1.2); under its own
        // media type the status is 400, under `application/json` 200.
        BatchResponse::Single(r) if is_request_error(r) => (
            if modern {
                actix_web::http::StatusCode::BAD_REQUEST
            } else {
                actix_web::http::StatusCode::OK
            },
            serde_json::to_vec(&serde_json::json!({ "errors": r.errors })),
        ),
        _ => (
            actix_web::http::StatusCode::OK,
            serde_json::to_vec(&response),
        ),
    };
    let Ok(body) = body else {
        return request_error(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            "the response could not be serialised",
        );
    };
    let mut res = HttpResponse::build(status);
    res.content_type(if modern {
        "application/graphql-response+json"
    } else {
        "application/json"
    });
    if failed {
        // Errors are answers about this request, not content to cache.
        res.insert_header((header::CACHE_CONTROL, "no-store"));
    }
    // Headers a resolver set (a preview link's page: never cached, never
    // indexed, no referrer), as REST sends them.
    let resolver_headers = match &response {
        BatchResponse::Single(r) => vec![&r.http_headers],
        BatchResponse::Batch(rs) => rs.iter().map(|r| &r.http_headers).collect(),
    };
    for headers in resolver_headers {
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                header::HeaderName::from_bytes(name.as_str().as_bytes()),
                header::HeaderValue::from_bytes(value.as_bytes()),
            ) {
                res.insert_header((name, value));
            }
        }
    }
    let mut res = res.body(body);
    if refused {
        res.extensions_mut().insert(RefusedOverGet);
    }
    res
}

/// The client asked for `application/graphql-response+json` (the
/// GraphQL-over-HTTP media type); otherwise answers are `application/json`
/// with status 200, as legacy clients expect.
fn wants_graphql_response(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/graphql-response+json"))
}

/// Errors and no data, none of them from a field: the request was refused
/// before anything executed.
fn is_request_error(r: &Response) -> bool {
    matches!(r.data, async_graphql::Value::Null)
        && !r.errors.is_empty()
        && r.errors.iter().all(|e| e.path.is_empty())
}

fn refused_over_get(r: &Response) -> bool {
    r.errors.len() == 1
        && r.errors.iter().all(|e| {
            e.extensions.as_ref().and_then(|x| x.get("code"))
                == Some(&async_graphql::Value::from("METHOD_NOT_ALLOWED"))
        })
}
