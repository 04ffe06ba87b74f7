//! sea-orm entities, one per table. Generated-style code only: behaviour lives
//! in the repositories, and nothing here leaves the crate.

pub mod api_key;
pub mod article;
pub mod article_author;
pub mod article_comment_settings;
pub mod article_pick;
pub mod article_section;
pub mod article_tag;
pub mod audit_entry;
pub mod author;
pub mod change;
pub mod collection;
pub mod collection_item;
pub mod comment;
pub mod image;
pub mod live_event;
pub mod live_post;
pub mod preview_link;
pub mod related_list;
pub mod revision;
pub mod section;
pub mod tag;
pub mod webhook;
pub mod webhook_delivery;
pub mod webhook_event;
