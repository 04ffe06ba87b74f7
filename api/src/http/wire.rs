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
    /// With `include=total` only: how many match, counted up to a cap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<TotalView>,
}

/// A count of matches, counted no further than a cap so a first page
/// stays cheap (as Elasticsearch's `track_total_hits`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalView {
    /// The count, or the cap when `relation` is `gte`.
    pub value: u64,
    /// `eq`: exact; `gte`: at least `value`.
    #[schema(value_type = TotalRelation)]
    pub relation: &'static str,
}

/// Whether a total is exact.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum TotalRelation {
    Eq,
    Gte,
}
