//! Schema migrations, run at start (`barta serve`) and by `barta migrate`.

use sea_orm_migration::prelude::*;

mod m20261129_000001_content;
mod m20261129_000002_editorial;
mod m20261129_000003_changes;
mod m20261129_000004_discovery;
mod m20261129_000005_partner_quotas;
mod m20261129_000006_comments;
mod m20261129_000007_live_indexes;
mod m20261206_000008_webhooks;
mod m20261206_000009_live;
mod m20261206_000010_event_stream;
mod m20261206_000011_images;
mod m20261206_000012_author_avatars;
mod m20261207_000013_newsroom;
mod m20261207_000014_packages;
mod m20261207_000015_translations;
mod m20261207_000016_taxonomy_languages;
mod m20261207_000017_image_url_keys;
mod m20261207_000018_related_lists;
mod m20261208_000019_filter_indexes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_content::Migration),
            Box::new(m20261129_000002_editorial::Migration),
            Box::new(m20261129_000003_changes::Migration),
            Box::new(m20261129_000004_discovery::Migration),
            Box::new(m20261129_000005_partner_quotas::Migration),
            Box::new(m20261129_000006_comments::Migration),
            Box::new(m20261129_000007_live_indexes::Migration),
            Box::new(m20261206_000008_webhooks::Migration),
            Box::new(m20261206_000009_live::Migration),
            Box::new(m20261206_000010_event_stream::Migration),
            Box::new(m20261206_000011_images::Migration),
            Box::new(m20261206_000012_author_avatars::Migration),
            Box::new(m20261207_000013_newsroom::Migration),
            Box::new(m20261207_000014_packages::Migration),
            Box::new(m20261207_000015_translations::Migration),
            Box::new(m20261207_000016_taxonomy_languages::Migration),
            Box::new(m20261207_000017_image_url_keys::Migration),
            Box::new(m20261207_000018_related_lists::Migration),
            Box::new(m20261208_000019_filter_indexes::Migration),
        ]
    }
}
