//! Facet counts of a search: how many matching articles each section, tag
//! and month (in Asia/Dhaka) holds, from the index's column store in one
//! pass over the matches (no stored document is read). A section counts
//! the matches of its sub-sections too, each article once, as its list
//! and the `section` filter include them.

use std::collections::HashMap;
use std::sync::Arc;

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

/// Each section id with its ancestors, itself first.
pub type Lineage = HashMap<u64, Vec<u64>>;

/// The lineage of every section of `(id, parent)` pairs (a parent cycle,
/// which the editorial rules refuse, stops the walk).
pub fn lineage(sections: impl IntoIterator<Item = (i64, Option<i64>)>) -> Lineage {
    let parents: HashMap<u64, Option<u64>> = sections
        .into_iter()
        .map(|(id, parent)| (id.unsigned_abs(), parent.map(i64::unsigned_abs)))
        .collect();
    parents
        .keys()
        .map(|&id| {
            let mut chain = vec![id];
            let mut at = id;
            while let Some(Some(parent)) = parents.get(&at) {
                if chain.contains(parent) {
                    break;
                }
                chain.push(*parent);
                at = *parent;
            }
            (id, chain)
        })
        .collect()
}

pub struct Facets(pub Arc<Lineage>);

pub struct SegmentFacets {
    lineage: Arc<Lineage>,
    /// The sections one match counts for (reused between matches).
    seen: Vec<u64>,
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
            lineage: self.0.clone(),
            seen: Vec::new(),
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
        self.seen.clear();
        for id in self.sections.values_for_doc(doc) {
            match self.lineage.get(&id) {
                Some(chain) => self.seen.extend(chain),
                None => self.seen.push(id),
            }
        }
        self.seen.sort_unstable();
        self.seen.dedup();
        for &id in &self.seen {
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
    use super::{dhaka_month, lineage};
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_section_s_lineage_runs_to_the_top_and_survives_a_cycle() {
        let l = lineage([
            (1, None),
            (2, Some(1)),
            (3, Some(2)),
            (8, Some(9)),
            (9, Some(8)),
        ]);
        assert_eq!(l[&3], vec![3, 2, 1]);
        assert_eq!(l[&1], vec![1]);
        assert_eq!(l[&8], vec![8, 9]);
    }

    #[test]
    fn months_turn_at_dhaka_midnight() {
        // 2026-11-30 18:30 UTC is 1 December 00:30 in Dhaka.
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 18, 30, 0).unwrap();
        assert_eq!(dhaka_month(t.timestamp_micros()), Some((2026, 12)));
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 17, 59, 0).unwrap();
        assert_eq!(dhaka_month(t.timestamp_micros()), Some((2026, 11)));
    }
}
