//! The trend as a PDF: the HTML page's content (findings, a dumbbell chart and table per item,
//! the tests, segments, numbers), A4, the Japanese font embedded.

use super::{ItemView, view, words};
use crate::pdf::{Doc, GREY, INK, MARGIN, RULE};
use mamori_analysis::trend::Trend;

pub fn render(t: &Trend) -> Result<Vec<u8>, String> {
    let w = words::for_language(&t.labels.lang);
    let v = view(t);
    let mut doc = Doc::new();
    doc.paragraph(&v.title, 16.0, 0.0, INK);
    doc.gap(2.0);
    doc.paragraph(&format!("{}: {}", w.panel_n, v.panel_n), 9.0, 0.0, GREY);
    doc.paragraph(v.note, 8.0, 0.0, GREY);
    doc.heading(w.findings);
    if v.findings.is_empty() {
        doc.paragraph(w.no_findings, 9.5, 0.0, INK);
    }
    for finding in &v.findings {
        doc.paragraph(&format!("・{finding}"), 9.5, 0.0, INK);
        doc.gap(3.0);
    }
    for item in v.indicators.iter().chain(&v.items) {
        doc.need(60.0 + item.rows.len() as f64 * 14.0);
        doc.heading(&item.label);
        if let Some(r) = &item.renamed {
            doc.paragraph(r, 8.0, 0.0, GREY);
        }
        dumbbell(&mut doc, item, w);
        let header = [w.choice, w.previous, w.current, w.change, w.ci].map(String::from);
        let rows: Vec<Vec<String>> = item
            .rows
            .iter()
            .map(|r| vec![r.label.clone(), r.previous.clone(), r.current.clone(), r.change.clone(), r.ci.clone()])
            .collect();
        doc.table(&[0.36, 0.16, 0.16, 0.14, 0.18], &header, &rows);
        for line in item.tests.iter().chain(&item.note) {
            doc.paragraph(line, 8.0, 0.0, GREY);
        }
        for table in &item.segments {
            doc.paragraph(&table.title, 8.5, 0.0, INK);
            let mut header = vec![w.segment.to_string(), "n".to_string()];
            header.extend(table.columns.iter().cloned());
            let share = 0.7 / table.columns.len().max(1) as f64;
            let mut widths = vec![0.18, 0.12];
            widths.extend(std::iter::repeat_n(share, table.columns.len()));
            let rows: Vec<Vec<String>> =
                table.rows.iter().map(|r| [vec![r.label.clone(), r.n.clone()], r.cells.clone()].concat()).collect();
            doc.table(&widths, &header, &rows);
        }
        if !item.withheld_segments.is_empty() {
            doc.paragraph(&format!("{}: {}", w.withheld_segments, item.withheld_segments.join(", ")), 8.0, 0.0, GREY);
        }
    }
    if !v.numbers.is_empty() {
        doc.heading(w.numbers);
        let header = [w.item, w.previous, w.current, w.change_mean, w.test, w.panel].map(String::from);
        let rows: Vec<Vec<String>> = v
            .numbers
            .iter()
            .map(|r| {
                vec![
                    r.label.clone(),
                    r.previous.clone(),
                    r.current.clone(),
                    r.change.clone(),
                    r.test.clone(),
                    r.panel.clone(),
                ]
            })
            .collect();
        doc.table(&[0.18, 0.16, 0.16, 0.1, 0.22, 0.18], &header, &rows);
    }
    for (title, list) in [
        (w.not_comparable, &v.not_comparable),
        (w.only_previous, &v.only_previous),
        (w.only_current, &v.only_current),
        (w.withheld_items, &v.withheld),
    ] {
        if !list.is_empty() {
            doc.heading(title);
            for name in list {
                doc.paragraph(&format!("・{name}"), 9.0, 0.0, INK);
            }
        }
    }
    doc.heading(w.method);
    for line in w.method_text {
        doc.paragraph(line, 8.0, 0.0, GREY);
        doc.gap(2.0);
    }
    doc.finish(&v.title)
}

/// Per choice a bar from the previous share (an outlined square) to the current one (a filled
/// square) on a 0–100% axis, the change written at the right.
fn dumbbell(doc: &mut Doc, item: &ItemView, w: &words::TrendWords) {
    let (label_w, axis_w, row_h) = (170.0, 250.0, 14.0);
    let x = |p: f64| MARGIN + label_w + axis_w * p / 100.0;
    doc.need(row_h * (item.rows.len() as f64 + 2.0));
    doc.outline(MARGIN, doc.y + 2.0, 6.0, 6.0, "#555555");
    doc.text(MARGIN + 9.0, doc.y + 1.0, 7.5, w.previous, GREY);
    doc.rect(MARGIN + 60.0, doc.y + 2.0, 6.0, 6.0, RULE);
    doc.text(MARGIN + 69.0, doc.y + 1.0, 7.5, w.current, GREY);
    doc.gap(row_h);
    for row in &item.rows {
        let top = doc.y;
        let label = doc.wrap(&row.label, 7.5, label_w - 8.0).into_iter().next().unwrap_or_default();
        doc.text(MARGIN, top + 3.0, 7.5, &label, INK);
        doc.outline(x(0.0), top + 6.5, axis_w, 0.01, "#DDDDDD");
        if let (Some(a), Some(b)) = (row.previous_pct, row.current_pct) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            doc.rect(x(lo), top + 5.5, (x(hi) - x(lo)).max(0.5), 2.0, RULE);
        }
        if let Some(a) = row.previous_pct {
            doc.rect(x(a) - 3.0, top + 3.5, 6.0, 6.0, "#FFFFFF");
            doc.outline(x(a) - 3.0, top + 3.5, 6.0, 6.0, "#555555");
        }
        if let Some(b) = row.current_pct {
            doc.rect(x(b) - 3.0, top + 3.5, 6.0, 6.0, RULE);
        }
        doc.text(x(100.0) + 10.0, top + 3.0, 7.5, &row.change, INK);
        doc.gap(row_h);
    }
    doc.gap(4.0);
}
