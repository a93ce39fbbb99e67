//! What every format shows for an item, in one place: the overall row and one row per segment.

use crate::words::Words;
use mamori_analysis::{Analysis, Item, Ordered};

/// A row of an item's table or chart: label, n, counts and percents by choice.
pub type ChartRow<'a> = (String, Option<u64>, &'a Ordered<Option<u64>>, &'a Ordered<Option<f64>>);

/// The overall row, then each segment the question applied to (a segment with n = 0 is left
/// out; a withheld one, n unknown, stays so its absence is visible).
pub fn chart_rows<'a>(analysis: &'a Analysis, item: &'a Item, w: &Words) -> Vec<ChartRow<'a>> {
    let mut out = vec![(w.overall.to_string(), item.n, &item.counts, &item.percent)];
    for (question, by) in item.by.iter() {
        for (segment, cell) in by.iter().filter(|(_, c)| c.n != Some(0)) {
            out.push((segment_label(analysis, question, segment).to_string(), cell.n, &cell.counts, &cell.percent));
        }
    }
    out
}

/// A segment's label in the report's language.
pub fn segment_label<'a>(analysis: &'a Analysis, question: &str, segment: &'a str) -> &'a str {
    analysis.labels.segments.get(question).and_then(|s| s.get(segment)).map_or(segment, String::as_str)
}
