//! Barta's domain: the content model, the rules about it and Bengali output.
//!
//! Pure code: no I/O, no database, no HTTP, no clock. Functions that need
//! "now" take it as an argument.

pub mod article;
pub mod bangla;
pub mod block;
pub mod comment;
pub mod cursor;
pub mod editorial;
pub mod error;
pub mod ids;
pub mod image;
pub mod live;
pub mod sound;
pub mod text;
pub mod webhook;

pub use article::{
    Access, Article, ArticleFilter, ArticleKind, ArticleState, ArticleStatus, ArticleSummary,
    Author, Correction, CorrectionKind, IdSet, LiveState, Section, SectionNode, Tag, display_name,
    is_public, section_subtree,
};
pub use block::{Block, Image};
pub use comment::{Comment, CommentStatus, CommentText, CommentThread, CommenterName, NewComment};
pub use cursor::{Cursor, PageRequest};
pub use editorial::{ApiKey, AuditEntry, PreviewLink, Revision, Scope};
pub use error::ValidationError;
pub use ids::{ArticleId, ArticleKey, Headline, Limit, Slug};
