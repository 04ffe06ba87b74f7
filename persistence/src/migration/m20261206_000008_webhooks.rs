//! Webhooks: the subscriptions, the outbox of events (written in the same
//! transaction as the change that raises them, or dated at the future
//! instant a scheduled article goes live) and one delivery row per event
//! and webhook (unique, so a change is delivered once per webhook however
//! many instances fan it out).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Webhooks {
    Table,
    Id,
    Url,
    Events,
    Secret,
    Active,
    Description,
    Format,
    DisabledReason,
    CreatedAt,
    UpdatedAt,
    LeaseOwner,
    LeaseUntil,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookEvents {
    Table,
    Id,
    EventType,
    ArticleId,
    Subject,
    Data,
    DueAt,
    CreatedAt,
    DedupeKey,
    Dispatched,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventId,
    Status,
    Attempts,
    NextAttemptAt,
    LastAttemptAt,
    ResponseStatus,
    LatencyMs,
    Error,
    ResponseExcerpt,
    CreatedAt,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(big_pk_auto(Webhooks::Id))
                    .col(text(Webhooks::Url))
                    .col(text(Webhooks::Events))
                    .col(string(Webhooks::Secret))
                    .col(boolean(Webhooks::Active))
                    .col(text_null(Webhooks::Description))
                    .col(string(Webhooks::Format))
                    .col(text_null(Webhooks::DisabledReason))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .col(timestamp_with_time_zone(Webhooks::UpdatedAt))
                    .col(string_null(Webhooks::LeaseOwner))
                    .col(timestamp_with_time_zone_null(Webhooks::LeaseUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .col(big_pk_auto(WebhookEvents::Id))
                    .col(string(WebhookEvents::EventType))
                    .col(big_integer_null(WebhookEvents::ArticleId))
                    .col(text_null(WebhookEvents::Subject))
                    .col(text_null(WebhookEvents::Data))
                    .col(timestamp_with_time_zone(WebhookEvents::DueAt))
                    .col(timestamp_with_time_zone(WebhookEvents::CreatedAt))
                    .col(string_null(WebhookEvents::DedupeKey).unique_key())
                    .col(boolean(WebhookEvents::Dispatched))
                    .to_owned(),
            )
            .await?;
        // The fan-out: events not yet dispatched, by due time.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_events_pending")
                    .table(WebhookEvents::Table)
                    .col(WebhookEvents::Dispatched)
                    .col(WebhookEvents::DueAt)
                    .col(WebhookEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(big_pk_auto(WebhookDeliveries::Id))
                    .col(big_integer(WebhookDeliveries::WebhookId))
                    .col(big_integer(WebhookDeliveries::EventId))
                    .col(string(WebhookDeliveries::Status))
                    .col(integer(WebhookDeliveries::Attempts))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::LastAttemptAt,
                    ))
                    .col(integer_null(WebhookDeliveries::ResponseStatus))
                    .col(integer_null(WebhookDeliveries::LatencyMs))
                    .col(text_null(WebhookDeliveries::Error))
                    .col(text_null(WebhookDeliveries::ResponseExcerpt))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::DeliveredAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_webhook")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_event")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EventId)
                            .to(WebhookEvents::Table, WebhookEvents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Exactly one delivery per event and webhook.
        manager
            .create_index(
                Index::create()
                    .name("ux_webhook_deliveries_webhook_event")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A webhook's queue in order, and the deliveries list.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_queue")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookDeliveries::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            Webhooks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
