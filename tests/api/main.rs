//! End-to-end tests: the real server on an ephemeral port, called over HTTP.
//! Every test that touches a database runs on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod caching;
mod comments;
mod discovery;
mod editorial;
mod errors;
mod feeds;
mod graphql;
mod hardening;
mod images;
mod import;
mod languages;
mod live;
mod newsroom;
mod openapi;
mod rest;
mod scale;
mod schema;
mod sse;
mod stream;
mod subscriptions;
mod visibility;
mod webhooks;
