//! The service floor: every rule of Barta that is not a wire format.
//!
//! `domain → persistence → app → api`. The three surfaces (REST, GraphQL,
//! feeds) call these services and nothing below them; the services know
//! nothing of HTTP or GraphQL (this crate depends on no such crate) and tell
//! the surfaces what changed through [`events::ContentEvents`].

pub mod auth;
pub mod clock;
pub mod comments;
pub mod content;
pub mod demo;
pub mod directory;
pub mod discovery;
pub mod editorial;
pub mod error;
pub mod events;
pub mod export;
pub mod fields;
pub mod images;
pub mod import;
pub mod import_metrics;
pub mod live;
pub mod search;
pub mod shared;
pub mod stream;
pub mod syndication;
pub mod webhooks;

pub use error::AppError;
