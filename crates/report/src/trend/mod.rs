//! The trend (this wave against the previous one, issue 14) as an HTML page, an XLSX workbook
//! and a PDF. What is shown is worked out here once ([`view`]); the page is
//! `templates/trend.html` (autoescaped, no JavaScript), the workbook and the PDF read the same
//! rows.

mod pdf;
pub mod words;
mod xlsx;

use crate::templates::{self, Preamble, Shape};
use mamori_analysis::trend::{ChangeTest, ItemTrend, NumberTrend, Panel, Trend, WaveCounts};
use serde::Serialize;
use serde_json::json;
use words::TrendWords;

pub use pdf::render as pdf;
pub use xlsx::render as xlsx;

/// One item of the document: a select_one question, or a select_multiple's choices together.
#[derive(Debug, Serialize)]
pub(crate) struct ItemView {
    pub name: String,
    pub label: String,
    /// "前回の設問: sbom" when the item was renamed.
    pub renamed: Option<String>,
    pub note: Option<String>,
    pub rows: Vec<ChoiceRow>,
    /// The tests, in words, one line each.
    pub tests: Vec<String>,
    /// Segment tables: the segment question's label and a row per value.
    pub segments: Vec<SegmentTable>,
    pub withheld_segments: Vec<String>,
}

/// A choice: each wave's count and share, the change.
#[derive(Debug, Serialize)]
pub(crate) struct ChoiceRow {
    pub label: String,
    pub previous: String,
    pub current: String,
    pub previous_pct: Option<f64>,
    pub current_pct: Option<f64>,
    /// ▲ +15.0, ▼ −5.0, ＝ 0.0 or —.
    pub change: String,
    pub ci: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct SegmentTable {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<SegmentRow>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SegmentRow {
    pub label: String,
    pub n: String,
    /// Per choice: "33.3% → 50.0% ▲ +16.7".
    pub cells: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct NumberRow {
    pub label: String,
    pub previous: String,
    pub current: String,
    pub change: String,
    pub test: String,
    pub panel: String,
}

/// Everything the documents show.
#[derive(Debug, Serialize)]
pub(crate) struct View {
    pub title: String,
    pub note: &'static str,
    pub panel_n: u64,
    pub findings: Vec<String>,
    /// The share indicators together: one row each (the share choosing the indicator's answers).
    pub indicators: Option<ItemView>,
    pub items: Vec<ItemView>,
    pub numbers: Vec<NumberRow>,
    pub not_comparable: Vec<String>,
    pub only_previous: Vec<String>,
    pub only_current: Vec<String>,
    pub withheld: Vec<String>,
}

pub(crate) fn marker(points: f64) -> String {
    // The sign is in the symbol and the number, never in colour alone.
    if points > 0.05 {
        format!("▲ +{points:.1}")
    } else if points < -0.05 {
        format!("▼ −{:.1}", -points)
    } else {
        format!("＝ {:.1}", points.abs())
    }
}

fn p_text(p: f64) -> String {
    if p < 0.001 { "p < 0.001".into() } else { format!("p = {p:.3}") }
}

fn share(w: &WaveCounts, code: &str, words: &TrendWords) -> (String, Option<f64>) {
    match (w.counts.get(code), w.percent.get(code)) {
        (Some(c), Some(p)) if w.n > 0 => (format!("{c} ({p:.1}%)"), Some(*p)),
        (Some(c), _) => (c.to_string(), None),
        _ => (words.withheld.to_string(), None),
    }
}

fn test_text(t: &ChangeTest, w: &TrendWords) -> String {
    let method = match t.method.as_str() {
        "chi_square" => "χ²",
        "fisher_exact" => "Fisher",
        "fisher_monte_carlo" => "Fisher (Monte Carlo)",
        "mann_whitney" => "Mann–Whitney U",
        other => other,
    };
    format!(
        "{}（{} {}/{}）: {method} = {:.2}, {}, Holm {}",
        w.test,
        w.independent,
        t.n_independent[0],
        t.n_independent[1],
        t.statistic,
        p_text(t.p),
        p_text(t.p_holm)
    )
}

fn panel_text(p: &Panel, w: &TrendWords) -> String {
    let method = match p.method.as_str() {
        "mcnemar_exact" => "McNemar",
        "stuart_maxwell" => "Stuart–Maxwell",
        "wilcoxon_signed_rank" => "Wilcoxon",
        "no_change" => "—",
        other => other,
    };
    let moves = match (p.improved, p.unchanged, p.worse) {
        (Some(a), Some(b), Some(c)) => format!(", {} {a} / {} {b} / {} {c}", w.improved, w.unchanged, w.worse),
        _ => String::new(),
    };
    let test = if p.method == "no_change" { String::new() } else { format!(", {method} {}", p_text(p.p)) };
    format!("{} n = {}{test}{moves}", w.panel, p.n)
}

fn choice_rows(item: &ItemTrend, codes: &[(String, String)], words: &TrendWords) -> Vec<ChoiceRow> {
    codes
        .iter()
        .map(|(code, label)| {
            let (previous, previous_pct) = share(&item.waves.previous, code, words);
            let (current, current_pct) = share(&item.waves.current, code, words);
            let (change, ci) = match item.change.get(code) {
                Some(c) => (marker(c.points), format!("[{:+.1}, {:+.1}]", c.ci95[0], c.ci95[1])),
                None => (words.withheld.into(), words.withheld.into()),
            };
            ChoiceRow { label: label.clone(), previous, current, previous_pct, current_pct, change, ci }
        })
        .collect()
}

fn item_tests(item: &ItemTrend, prefix: &str, w: &TrendWords) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = &item.test {
        out.push(format!("{prefix}{}", test_text(t, w)));
    }
    if let Some(p) = &item.panel {
        out.push(format!("{prefix}{}", panel_text(p, w)));
    }
    out
}

pub(crate) fn view(t: &Trend) -> View {
    let w = words::for_language(&t.labels.lang);
    let labels = &t.labels;
    let mut items: Vec<ItemView> = Vec::new();
    for item in &t.items {
        match item.name.split_once('/') {
            None => {
                let codes = labels
                    .choices
                    .get(&item.name)
                    .cloned()
                    .unwrap_or_else(|| item.waves.current.counts.keys().map(|c| (c.clone(), c.clone())).collect());
                let segments = item
                    .by
                    .iter()
                    .map(|(question, values)| SegmentTable {
                        title: format!("{}: {}", w.by, labels.question(question)),
                        columns: codes.iter().map(|(_, l)| l.clone()).collect(),
                        rows: values
                            .iter()
                            .map(|(value, s)| SegmentRow {
                                label: labels.choice(question, value).to_string(),
                                n: format!("{} → {}", s.waves.previous.n, s.waves.current.n),
                                cells: choice_rows(s, &codes, w)
                                    .into_iter()
                                    .map(|r| match (r.previous_pct, r.current_pct) {
                                        (Some(a), Some(b)) => format!("{a:.1}% → {b:.1}% {}", r.change),
                                        _ => w.withheld.to_string(),
                                    })
                                    .collect(),
                            })
                            .collect(),
                    })
                    .collect();
                items.push(ItemView {
                    name: item.name.clone(),
                    label: labels.question(&item.name).to_string(),
                    renamed: (item.previous_name != item.name)
                        .then(|| format!("{}: {}", w.renamed, item.previous_name)),
                    note: item.note.clone(),
                    rows: choice_rows(item, &codes, w),
                    tests: item_tests(item, "", w),
                    segments,
                    withheld_segments: item.withheld_segments.clone(),
                });
            }
            Some((question, choice)) => {
                // Each choice of a select_multiple is its own comparison; shown together.
                let label = labels.choice(question, choice).to_string();
                let mut row = choice_rows(item, &[("chosen".into(), label.clone())], w);
                let tests = item_tests(item, &format!("{label}: "), w);
                match items.last_mut().filter(|v| v.name == question) {
                    Some(v) => {
                        v.rows.append(&mut row);
                        v.tests.extend(tests);
                    }
                    None => items.push(ItemView {
                        name: question.to_string(),
                        label: labels.question(question).to_string(),
                        renamed: None,
                        note: item.note.clone(),
                        rows: row,
                        tests,
                        segments: Vec::new(),
                        withheld_segments: Vec::new(),
                    }),
                }
            }
        }
    }
    let number = |n: &NumberTrend, label: String| {
        let wave = |s: &mamori_analysis::trend::Summary| {
            if s.n == 0 {
                "n = 0".to_string()
            } else {
                format!("n = {}, {} {:.2}, {} {:.2}", s.n, w.mean, s.mean, w.median, s.median)
            }
        };
        NumberRow {
            label,
            previous: wave(&n.waves.previous),
            current: wave(&n.waves.current),
            change: if n.change_mean.is_finite() { format!("{:+.2}", n.change_mean) } else { w.withheld.into() },
            test: n.test.as_ref().map_or_else(|| w.withheld.to_string(), |t| test_text(t, w)),
            panel: n.panel.as_ref().map_or_else(|| w.withheld.to_string(), |p| panel_text(p, w)),
        }
    };
    // A number's row, then a row per segment (those published).
    let with_segments = |n: &NumberTrend, label: String| -> Vec<NumberRow> {
        let mut rows = vec![number(n, label)];
        for (q, values) in &n.by {
            for (value, s) in values {
                rows.push(number(s, format!("　{}: {}", labels.question(q), labels.choice(q, value))));
            }
        }
        rows
    };
    let mut numbers: Vec<NumberRow> =
        t.numbers.iter().flat_map(|n| with_segments(n, labels.question(&n.name).to_string())).collect();
    for r in &t.ratios {
        let label = labels.indicators.get(&r.name).cloned().unwrap_or_else(|| r.name.clone());
        let wave = |x: &mamori_analysis::trend::RatioWave| {
            if x.ratio.is_finite() { format!("n = {}, {:.1}%", x.n, 100.0 * x.ratio) } else { format!("n = {}", x.n) }
        };
        let mut row = number(&r.per_organisation, label);
        row.previous = wave(&r.waves.previous);
        row.current = wave(&r.waves.current);
        row.change = if r.change.is_finite() { marker(100.0 * r.change) } else { w.withheld.into() };
        numbers.push(row);
    }
    if let Some(s) = &t.score {
        numbers.extend(with_segments(s, w.score.to_string()));
    }
    let indicators = (!t.indicators.is_empty()).then(|| {
        let mut rows = Vec::new();
        let mut tests = Vec::new();
        for i in &t.indicators {
            let label = labels.indicators.get(&i.name).cloned().unwrap_or_else(|| i.name.clone());
            rows.extend(choice_rows(i, &[("chosen".into(), label.clone())], w));
            tests.extend(item_tests(i, &format!("{label}: "), w));
            if !i.withheld_segments.is_empty() {
                tests.push(format!("{label}: {}: {}", w.withheld_segments, i.withheld_segments.join(", ")));
            }
        }
        ItemView {
            name: "indicators".into(),
            label: w.indicators.into(),
            renamed: None,
            note: None,
            rows,
            tests,
            segments: Vec::new(),
            withheld_segments: Vec::new(),
        }
    });
    let name = |n: &String| format!("{} ({n})", labels.question(n));
    View {
        title: format!("{} — {}", labels.title, w.heading),
        note: if t.published { w.published } else { w.analyst },
        panel_n: t.panel_n as u64,
        findings: t.findings.clone(),
        indicators,
        items,
        numbers,
        not_comparable: t.not_comparable.iter().map(name).collect(),
        only_previous: t.only_in.previous.clone(),
        only_current: t.only_in.current.iter().map(name).collect(),
        withheld: t.withheld.iter().map(name).collect(),
    }
}

/// A dumbbell per choice on a 0–100% axis: the previous share a hollow ring, the current a
/// smaller filled dot (told apart by shape, not colour alone, and both visible when equal),
/// the change written at the right.
fn dumbbell(item: &ItemView, index: usize) -> serde_json::Value {
    let (label_w, axis_w, change_w, row_h, top) = (220.0, 360.0, 90.0, 22.0, 18.0);
    let x = |p: f64| label_w + axis_w * p / 100.0;
    let mut shapes = Vec::new();
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        shapes.push(
            Shape::new("line")
                .attr("x1", x(tick))
                .attr("x2", x(tick))
                .attr("y1", top - 4.0)
                .attr("y2", top + item.rows.len() as f64 * row_h)
                .attr("stroke", "#ddd"),
        );
        shapes.push(
            Shape::new("text")
                .attr("x", x(tick))
                .attr("y", 11)
                .attr("font-size", 9)
                .attr("text-anchor", "middle")
                .attr("fill", "#444")
                .text(&format!("{tick:.0}%")),
        );
    }
    for (r, row) in item.rows.iter().enumerate() {
        let y = top + r as f64 * row_h + row_h / 2.0;
        shapes.push(
            Shape::new("text")
                .attr("x", label_w - 8.0)
                .attr("y", y + 4.0)
                .attr("font-size", 10)
                .attr("text-anchor", "end")
                .text(&row.label),
        );
        if let (Some(a), Some(b)) = (row.previous_pct, row.current_pct) {
            shapes.push(
                Shape::new("line")
                    .attr("x1", format!("{:.2}", x(a)))
                    .attr("x2", format!("{:.2}", x(b)))
                    .attr("y1", y)
                    .attr("y2", y)
                    .attr("stroke", "#0072B2")
                    .attr("stroke-width", 3),
            );
        }
        if let Some(a) = row.previous_pct {
            shapes.push(
                Shape::new("circle")
                    .attr("cx", format!("{:.2}", x(a)))
                    .attr("cy", y)
                    .attr("r", 6)
                    .attr("fill", "#fff")
                    .attr("stroke", "#555")
                    .attr("stroke-width", 2),
            );
        }
        if let Some(b) = row.current_pct {
            shapes.push(
                Shape::new("circle")
                    .attr("cx", format!("{:.2}", x(b)))
                    .attr("cy", y)
                    .attr("r", 3.5)
                    .attr("fill", "#0072B2"),
            );
        }
        shapes.push(
            Shape::new("text")
                .attr("x", label_w + axis_w + 10.0)
                .attr("y", y + 4.0)
                .attr("font-size", 10)
                .text(&row.change),
        );
    }
    json!({
        "index": index,
        "width": (label_w + axis_w + change_w).to_string(),
        "height": (top + item.rows.len() as f64 * row_h + 4.0).to_string(),
        "title": item.label,
        "shapes": shapes,
    })
}

/// The trend as one self-contained HTML page.
pub fn html(t: &Trend, top: &Preamble) -> String {
    let w = words::for_language(&t.labels.lang);
    let v = view(t);
    let charts: Vec<serde_json::Value> = v.items.iter().enumerate().map(|(i, item)| dumbbell(item, i)).collect();
    let indicator_chart = v.indicators.as_ref().map(|i| dumbbell(i, v.items.len()));
    templates::render(
        "trend.html",
        json!({ "w": w, "top": top, "v": v, "charts": charts, "indicator_chart": indicator_chart }),
    )
}
