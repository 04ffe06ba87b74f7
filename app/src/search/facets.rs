//! Facet counts of a search: how many matching articles each section, tag
//! and month (in Asia/Dhaka) holds, from the index's column store in one
//! pass over the matches (no stored document is read).

use std::collections::HashMap;

use chrono::{DateTime, Datelike};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Raw counts by database id (sections, tags) and by `(year, month)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacetCounts {
    pub sections: HashMap<i64, usize>,
    pub tags: HashMap<i64, usize>,
    pub months: HashMap<(i32, u32), usize>,
}

impl FacetCounts {
    fn merge(&mut self, other: FacetCounts) {
        for (k, n) in other.sections {
            *self.sections.entry(k).or_default() += n;
        }
        for (k, n) in other.tags {
            *self.tags.entry(k).or_default() += n;
        }
        for (k, n) in other.months {
            *self.months.entry(k).or_default() += n;
        }
    }
}

/// The month of a publication time (microseconds, UTC) in Dhaka.
fn dhaka_month(micros: i64) -> Option<(i32, u32)> {
    let t = DateTime::from_timestamp_micros(micros)?;
    let d = domain::bangla::dhaka_date(t);
    Some((d.year(), d.month()))
}

pub struct Facets;

pub struct SegmentFacets {
    sections: Column<u64>,
    tags: Column<u64>,
    published: Column<i64>,
    counts: FacetCounts,
}

impl Collector for Facets {
    type Fruit = FacetCounts;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let fast = reader.fast_fields();
        Ok(SegmentFacets {
            sections: fast.u64("section_ids")?,
            tags: fast.u64("tag_ids")?,
            published: fast.i64("published")?,
            counts: FacetCounts::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut all = FacetCounts::default();
        for f in fruits {
            all.merge(f);
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let c = &mut self.counts;
        for id in self.sections.values_for_doc(doc) {
            *c.sections
                .entry(i64::try_from(id).unwrap_or(0))
                .or_default() += 1;
        }
        for id in self.tags.values_for_doc(doc) {
            *c.tags.entry(i64::try_from(id).unwrap_or(0)).or_default() += 1;
        }
        if let Some(month) = self.published.first(doc).and_then(dhaka_month) {
            *c.months.entry(month).or_default() += 1;
        }
    }

    fn harvest(self) -> FacetCounts {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::dhaka_month;
    use chrono::{TimeZone, Utc};

    #[test]
    fn months_turn_at_dhaka_midnight() {
        // 2026-11-30 18:30 UTC is 1 December 00:30 in Dhaka.
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 18, 30, 0).unwrap();
        assert_eq!(dhaka_month(t.timestamp_micros()), Some((2026, 12)));
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 17, 59, 0).unwrap();
        assert_eq!(dhaka_month(t.timestamp_micros()), Some((2026, 11)));
    }
}
