//! The `barta` binary's library: configuration, startup and the three
//! surfaces (REST, GraphQL, feeds) on one floor over the shared HTTP layer.
//! The services live in the `app` crate below.

pub mod cli;
pub mod config;
pub mod feeds;
pub mod graphql;
pub mod http;
pub mod live;
pub mod openapi;
pub mod rest;
pub mod startup;
pub mod webhooks;
