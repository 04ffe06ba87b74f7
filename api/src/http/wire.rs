//! Wire pieces every JSON surface shares (REST views, ninjs lists, the
//! change feed): one spelling of a time and of a page's continuation.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// RFC 3339 in UTC, whole seconds (`2024-11-12T05:31:00Z`).
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageInfoView {
    pub next_cursor: Option<String>,
    pub has_more: bool,
}
