//! The `barta` service: configuration, startup, the service layer and the
//! three surfaces (REST, GraphQL, feeds) over it.

pub mod auth;
pub mod breaker;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod comments;
pub mod config;
pub mod demo;
pub mod discovery;
pub mod editorial;
pub mod error;
pub mod feeds;
pub mod graphql;
pub mod import;
pub mod import_metrics;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod rest;
pub mod search;
pub mod service;
pub mod startup;
pub mod telemetry;
