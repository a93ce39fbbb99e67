//! What every format shows for an item, in one place: the overall row and one row per segment.

use crate::words::{self, Words, count, pct};
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

/// A number question's rows — overall, then each segment it applied to — each with its cells:
/// n, sum, mean, q1, median, q3, min, max (a withheld figure as the suppression mark).
pub fn number_rows(analysis: &Analysis, item: &Item, w: &Words) -> Vec<(String, Vec<String>)> {
    let line = |label: &str, n: Option<u64>, stats: Option<&mamori_analysis::NumberStats>| {
        let f = |x: Option<f64>| x.map_or_else(|| w.suppressed.to_string(), words::number);
        let cells = vec![
            count(n, w),
            f(stats.map(|s| s.sum)),
            f(stats.map(|s| s.mean)),
            f(stats.map(|s| s.q1)),
            f(stats.map(|s| s.median)),
            f(stats.map(|s| s.q3)),
            f(stats.and_then(|s| s.min)),
            f(stats.and_then(|s| s.max)),
        ];
        (label.to_string(), cells)
    };
    let mut rows = vec![line(w.overall, item.n, item.stats.as_ref())];
    for (question, by) in item.by.iter() {
        for (segment, cell) in by.iter().filter(|(_, c)| c.n != Some(0)) {
            rows.push(line(segment_label(analysis, question, segment), cell.n, cell.stats.as_ref()));
        }
    }
    rows
}

/// A rank item's rows: each choice with its mean place, how many put it first and their share.
pub(crate) fn rank_rows(item: &Item, w: &Words) -> Vec<(String, Vec<String>)> {
    item.choice_labels
        .iter()
        .map(|(choice, label)| {
            let mean = item
                .mean_rank
                .get(choice)
                .copied()
                .flatten()
                .map_or_else(|| w.suppressed.to_string(), |m| format!("{m:.2}"));
            (
                label.clone(),
                vec![
                    mean,
                    count(item.counts.get(choice).copied().flatten(), w),
                    pct(item.percent.get(choice).copied().flatten(), w),
                ],
            )
        })
        .collect()
}
