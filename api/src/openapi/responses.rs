//! Responses the handlers' `#[utoipa::path]` attributes share (problem
//! documents, 304). A leaf: handlers import it, it imports no handler.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Ref, Type};
use utoipa::openapi::{Content, RefOr};

use crate::http::error::PROBLEM_JSON;

fn string_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

fn integer_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .description(Some(description))
        .build()
}

fn problem(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        Content::new(Some(Ref::from_schema_name("Problem"))),
    )
}

macro_rules! responses {
    ($($name:ident => $build:expr;)*) => {$(
        pub struct $name;
        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), RefOr::T($build))
            }
        }
    )*};
}

responses! {
    NotModified => ResponseBuilder::new()
        .description("Not modified: the `If-None-Match` (or `If-Modified-Since`) validator still matches; no body")
        .header("ETag", string_header("The current strong entity tag"))
        .header("Cache-Control", string_header("The same caching rules as the 200"))
        .build();
    BadRequest => problem("Invalid parameters: every bad one is listed in `errors`").build();
    Unauthorized => problem("No valid API key: send `Authorization: Bearer barta_…`")
        .header("WWW-Authenticate", string_header("`Bearer realm=\"barta\"`"))
        .build();
    Forbidden => problem("The key's scope does not allow this").build();
    NotFound => problem("No such resource").build();
    Conflict => problem("Someone else holds the value (`field` names it), or the thing is still in use").build();
    PreconditionFailed => problem("`If-Match` (or `expectedVersion`) names a version that is no longer current").build();
    PayloadTooLarge => problem("The request body exceeds 2 MiB").build();
    UnsupportedMediaType => problem("The body is not sent as `application/json`").build();
    UriTooLong => problem("The request target exceeds 8 KiB").build();
    Unprocessable => problem("A well-formed body whose fields break the rules: every bad one is listed in `errors`").build();
    TooManyRequests => problem("A rate limit is reached")
        .header("Retry-After", integer_header("Seconds to wait"))
        .build();
    HeadersTooLarge => problem("The request headers exceed 32 KiB").build();
    Unavailable => problem("Overloaded (too many requests in flight) or the database is unreachable; retry")
        .header("Retry-After", integer_header("Seconds to wait"))
        .build();
}
