//! The HTTP floor under the three surfaces: the error policy
//! (problem+json), the response cache (the [`app::events::ContentEvents`]
//! subscriber that spells surrogate keys), conditional requests, the
//! circuit breaker, load shedding, metrics, telemetry, and the extractors
//! for the caller's key and address. No module here imports a surface.

pub mod admission;
pub mod assets;
pub mod auth;
pub mod breaker;
pub mod cache;
pub mod client;
pub mod conditional;
pub mod connection;
pub mod cors;
pub mod error;
pub mod keys;
pub mod limits;
pub mod metrics;
pub mod params;
pub mod telemetry;
pub mod wire;
