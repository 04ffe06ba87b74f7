//! The live pages' event log: one row per post written, changed or
//! deleted and per live page ended; its ids are the readers' stream
//! cursors. Written by post writes (`live`) and by article writes that end
//! a live page (`changes`).

use chrono::{DateTime, Utc};
use domain::ArticleState;
use domain::LiveState;
use domain::live::LiveEventKind;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseTransaction};

use crate::entities::live_event;
use crate::error::RepoError;
use crate::repo::micros;

pub(crate) async fn insert_event(
    txn: &DatabaseTransaction,
    article_id: i64,
    post_id: Option<i64>,
    kind: LiveEventKind,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    live_event::ActiveModel {
        article_id: Set(article_id),
        post_id: Set(post_id),
        kind: Set(kind.as_str().to_owned()),
        at: Set(micros(now)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Records that a live page ended (in the article write's transaction).
pub(crate) async fn record_live_transition(
    txn: &DatabaseTransaction,
    article_id: i64,
    old: Option<&ArticleState>,
    new: &ArticleState,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let was_ended = old.is_some_and(|o| o.live_state == Some(LiveState::Ended));
    if new.live_state == Some(LiveState::Ended) && !was_ended {
        insert_event(txn, article_id, None, LiveEventKind::Ended, now).await?;
    }
    Ok(())
}
