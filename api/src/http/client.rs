//! The client behind a request, for flood control and view counting.

use actix_web::HttpRequest;
use app::comments::{Client, CommentService};

/// The client's address: the TCP peer, or with `trust_proxy` the address a
/// proxy put in `Forwarded`/`X-Forwarded-For`.
pub fn address(req: &HttpRequest, trust_proxy: bool) -> Option<String> {
    if trust_proxy {
        req.connection_info()
            .realip_remote_addr()
            .map(str::to_owned)
    } else {
        req.peer_addr().map(|a| a.ip().to_string())
    }
}

/// The flood-control identity of the client behind a request.
pub fn commenter(comments: &CommentService, req: &HttpRequest) -> Client {
    comments.client(address(req, comments.trusts_proxy()).as_deref())
}
