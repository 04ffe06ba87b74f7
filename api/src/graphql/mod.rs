//! GraphQL: the schema (built by a plain function, no HTTP needed, so
//! `barta schema` and tests can print it) and its actix handlers.

mod comments;
mod loaders;
mod mutation;
mod query;
mod types;

use actix_web::http::header;
use actix_web::{Either, HttpRequest, HttpResponse, web};
use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::http::GraphiQLSource;
use async_graphql::{EmptySubscription, Response, Schema, ServerError};
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse};
use std::sync::Arc;

pub use mutation::Mutation;
pub use query::Query;
pub use types::{global_id, parse_global_id};

use crate::auth::Caller;
use crate::comments::CommentService;
use crate::discovery::DiscoveryService;
use crate::editorial::EditorialService;
use crate::error::ApiError;
use crate::service::ContentService;

pub type BartaSchema = Schema<Query, Mutation, EmptySubscription>;

/// Deepest selection allowed (the article page needs about 6).
pub const MAX_DEPTH: usize = 12;
/// Complexity budget: a home screen (several lists of 20 with their
/// sections, authors and tags) fits; a 100-alias bomb does not.
pub const MAX_COMPLEXITY: usize = 3_000;

/// Builds the schema. Without a service it can still print its SDL.
pub fn build_schema(svc: Option<(ContentService, DiscoveryService)>) -> BartaSchema {
    let mut builder = Schema::build(Query, Mutation, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .extension(ApolloPersistedQueries::new(LruCacheStorage::new(4096)))
        .extension(ErrorCodes);
    if let Some((svc, discovery)) = svc {
        builder = builder
            .data(EditorialService::new(svc.clone()))
            .data(discovery)
            .data(svc);
    }
    builder.finish()
}

/// The SDL checked in as `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None).sdl()
}

/// Gives every error an `extensions.code`: validation failures (depth,
/// complexity, unknown fields) and unexpected ones included.
struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let executed = !matches!(response.data, async_graphql::Value::Null);
        for e in &mut response.errors {
            add_code(e, executed);
        }
        response
    }
}

fn add_code(e: &mut ServerError, executed: bool) {
    if let Some(source) = e.source.clone()
        && let Some(api) = source.downcast_ref::<ApiError>()
    {
        api.decorate(e);
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
        _ if !executed && e.path.is_empty() => "GRAPHQL_VALIDATION_FAILED",
        _ => "BAD_USER_INPUT",
    };
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

/// `POST /graphql`.
pub async fn post(
    req: HttpRequest,
    schema: web::Data<BartaSchema>,
    svc: web::Data<ContentService>,
    request: Result<GraphQLRequest, actix_web::Error>,
) -> Either<HttpResponse, GraphQLResponse> {
    execute(&req, schema, svc, request).await
}

/// `GET /graphql`: GraphiQL for a browser, else a query from the URL.
pub async fn get(
    req: HttpRequest,
    schema: web::Data<BartaSchema>,
    svc: web::Data<ContentService>,
    request: Result<GraphQLRequest, actix_web::Error>,
) -> Either<HttpResponse, GraphQLResponse> {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html && !req.query_string().contains("query=") {
        return Either::Left(
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(
                    GraphiQLSource::build()
                        .endpoint("/graphql")
                        .title("Barta GraphQL")
                        .finish(),
                ),
        );
    }
    if let Ok(r) = &request
        && is_mutation(&r.0)
    {
        return Either::Left(
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, "POST"))
                .json(serde_json::json!({
                    "errors": [{"message": "mutations must be sent with POST", "extensions": {"code": "METHOD_NOT_ALLOWED"}}]
                })),
        );
    }
    execute(&req, schema, svc, request).await
}

/// True when the operation the request would run is a mutation.
fn is_mutation(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let ty = match (&doc.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    };
    ty == Some(OperationType::Mutation)
}

async fn execute(
    req: &HttpRequest,
    schema: web::Data<BartaSchema>,
    svc: web::Data<ContentService>,
    request: Result<GraphQLRequest, actix_web::Error>,
) -> Either<HttpResponse, GraphQLResponse> {
    let request = match request {
        Ok(r) => r.into_inner(),
        Err(e) => {
            let body = serde_json::json!({
                "errors": [{"message": e.to_string(), "extensions": {"code": "BAD_REQUEST"}}]
            });
            return Either::Left(HttpResponse::BadRequest().json(body));
        }
    };
    let caller = match crate::auth::caller(svc.repo(), req).await {
        Ok(c) => c,
        Err(e) => {
            e.log();
            Caller::Invalid
        }
    };
    let mut request = request
        .data(loaders::loaders(svc.get_ref().clone()))
        .data(caller);
    // Comments share one flood guard between REST and GraphQL.
    if let Some(comments) = req.app_data::<web::Data<CommentService>>() {
        request = request
            .data(comments.client_of(req))
            .data(comments.get_ref().clone());
    }
    let response = schema.execute(request).await;
    let failed = !response.errors.is_empty();
    let response: GraphQLResponse = response.into();
    if failed {
        // Errors are answers about this request, not content to cache.
        let mut res = actix_web::Responder::respond_to(response, req).map_into_boxed_body();
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        return Either::Left(res);
    }
    Either::Right(response)
}
