//! The report as one self-contained HTML page: inline CSS and SVG, no JavaScript, print-ready
//! on A4. The page is `templates/report.html`; this module only works out what it shows (the
//! figures formatted, the charts' geometry), and the template engine escapes every string, so
//! no answer or label can inject markup.

use crate::rows::{self, ChartRow, chart_rows, segment_label};
use crate::templates::{self, Preamble, Shape};
use crate::words::{self, PALETTE, Words, count, ink_on, p_value, pct};
use mamori_analysis::{Analysis, Item};
use serde_json::{Value, json};

pub fn render(analysis: &Analysis, top: &Preamble) -> String {
    let w = words::for_language(&analysis.language);
    let mut sections: Vec<Value> = Vec::new();
    let mut current: Option<&str> = None;
    for (index, item) in analysis.items.iter().enumerate() {
        let section = item.section.first().map(String::as_str).unwrap_or("");
        if current != Some(section) {
            sections.push(json!({ "title": section, "items": [] }));
            current = Some(section);
        }
        if let Some(Value::Array(items)) = sections.last_mut().and_then(|s| s.get_mut("items")) {
            items.push(item_view(analysis, item, index, w));
        }
    }
    let context = json!({
        "w": w,
        "top": top,
        "title": analysis.title,
        "form_id": analysis.form_id,
        "version": analysis.version,
        "n": count(Some(analysis.n), w),
        "note": if analysis.published { w.published } else { w.analyst },
        "findings": analysis.findings,
        "segments": segments(analysis, w),
        "indicators": indicators(analysis, w),
        "lagging": lagging(analysis),
        "sections": sections,
    });
    templates::render("report.html", context)
}

fn segments(analysis: &Analysis, w: &Words) -> Vec<Value> {
    analysis
        .segments
        .iter()
        .map(|(question, sizes)| {
            let title = analysis.labels.segment_questions.get(question).map_or(question, String::as_str);
            let rows: Vec<Value> = sizes
                .iter()
                .map(|(segment, n)| {
                    let share = n
                        .and_then(|n| (analysis.n > 0).then(|| (n as f64 / analysis.n as f64 * 1000.0).round() / 10.0));
                    json!({
                        "label": segment_label(analysis, question, segment),
                        "n": count(*n, w),
                        "share": pct(share, w),
                    })
                })
                .collect();
            json!({ "title": title, "rows": rows })
        })
        .collect()
}

fn indicators(analysis: &Analysis, w: &Words) -> Value {
    if analysis.indicators.is_empty() {
        return Value::Null;
    }
    let segment_columns: Vec<(&str, &str)> =
        analysis.segments.iter().flat_map(|(q, sizes)| sizes.iter().map(move |(s, _)| (q, s))).collect();
    let columns: Vec<&str> = segment_columns.iter().map(|(q, s)| segment_label(analysis, q, s)).collect();
    let rows: Vec<Value> = analysis
        .indicators
        .iter()
        .map(|indicator| {
            let mut cells = vec![pct(indicator.percent, w)];
            for (q, s) in &segment_columns {
                let cell = indicator.by.get(q).and_then(|b| b.get(s));
                cells.push(pct(cell.and_then(|c| c.percent), w));
            }
            json!({ "label": indicator.label, "cells": cells })
        })
        .collect();
    json!({ "columns": columns, "rows": rows })
}

fn lagging(analysis: &Analysis) -> Vec<Value> {
    analysis
        .lagging
        .iter()
        .map(|lag| {
            let item =
                analysis.items.iter().find(|i| i.name == lag.item).map_or(lag.item.as_str(), |i| i.label.as_str());
            json!({
                "segment": segment_label(analysis, &lag.segment_question, &lag.segment),
                "item": item,
                "share": format!("{:.1}% (n={})", lag.share, lag.n),
                "rest": format!("{:.1}% (n={})", lag.share_rest, lag.n_rest),
                "p": p_value(lag.p_holm),
            })
        })
        .collect()
}

/// A row of a table: its label and its cells, formatted.
fn row(label: &str, cells: Vec<String>) -> Value {
    json!({ "label": label, "cells": cells })
}

fn item_view(analysis: &Analysis, item: &Item, index: usize, w: &Words) -> Value {
    let mut view = json!({ "name": item.name, "label": item.label, "kind": item.kind, "n": count(item.n, w) });
    let extra = match item.kind.as_str() {
        "select_one" => {
            let rows = chart_rows(analysis, item, w);
            let legend: Vec<Value> = item
                .choice_labels
                .iter()
                .enumerate()
                .map(|(k, (_, label))| json!({ "colour": PALETTE[k % PALETTE.len()], "label": label }))
                .collect();
            let tests: Vec<String> = item
                .test
                .iter()
                .map(|(question, test)| {
                    let name = match test.method.as_str() {
                        "chi_square" => w.chi_square,
                        "fisher_exact" => w.fisher_exact,
                        _ => w.fisher_monte_carlo,
                    };
                    let title = analysis.labels.segment_questions.get(question).map_or(question, String::as_str);
                    format!(
                        "{title}：{name}（χ² = {:.2}, df = {}）{}、Holm {}",
                        test.statistic,
                        test.dof,
                        p_value(test.p),
                        p_value(test.p_holm)
                    )
                })
                .collect();
            json!({
                "legend": legend,
                "chart": stacked_chart(item, &rows, index),
                "rows": choice_rows(item, &rows, w),
                "tests": tests,
            })
        }
        "select_multiple" => {
            let rows: Vec<Value> = item
                .counts
                .iter()
                .map(|(choice, n)| {
                    let label = item.choice_labels.get(choice).map_or(choice, String::as_str);
                    row(
                        label,
                        vec![
                            count(*n, w),
                            pct(item.mention_share.get(choice).copied().flatten(), w),
                            pct(item.respondent_share.get(choice).copied().flatten(), w),
                        ],
                    )
                })
                .collect();
            json!({ "chart": bar_chart(item, index), "rows": rows, "mentions": count(item.mentions, w) })
        }
        "rank" => {
            let rows: Vec<Value> =
                crate::rows::rank_rows(item, w).into_iter().map(|(l, cells)| row(&l, cells)).collect();
            json!({ "rows": rows, "note": w.rank_note })
        }
        "integer" | "decimal" | "range" => json!({ "kind": "number", "rows": number_rows(analysis, item, w) }),
        _ => {
            let rows: Vec<Value> = item
                .coded
                .iter()
                .map(|(category, n)| {
                    let label = item.category_labels.get(category).map_or(category, String::as_str);
                    row(label, vec![count(*n, w)])
                })
                .collect();
            json!({ "rows": rows })
        }
    };
    if let (Value::Object(view), Value::Object(extra)) = (&mut view, extra) {
        view.extend(extra);
    }
    view
}

/// 100% stacked bars, one per row, n at the right; a withheld row is an empty outline.
fn stacked_chart(item: &Item, rows: &[ChartRow], index: usize) -> Value {
    let (label_w, bar_w, row_h, n_w) = (250.0, 360.0, 24.0, 60.0);
    let mut shapes = Vec::new();
    for (r, (label, n, _, percent)) in rows.iter().enumerate() {
        let y = r as f64 * row_h + 2.0;
        shapes.push(text(label_w - 6.0, y + 14.0).attr("text-anchor", "end").attr("font-size", 10).text(label));
        let n_text = n.map_or("n=—".to_string(), |n| format!("n={n}"));
        shapes.push(text(label_w + bar_w + 6.0, y + 14.0).attr("font-size", 10).attr("fill", "#444").text(&n_text));
        let total: f64 = percent.iter().filter_map(|(_, p)| *p).sum();
        if n.is_none() || total <= 0.0 {
            shapes.push(rect(label_w, y, bar_w, row_h - 6.0).attr("fill", "none").attr("stroke", "#999"));
            continue;
        }
        let mut x = label_w;
        for (k, (_, p)) in percent.iter().enumerate() {
            let Some(p) = p else { continue };
            let width = bar_w * p / total;
            let colour = PALETTE[k % PALETTE.len()];
            shapes.push(
                Shape::new("rect")
                    .attr("x", format!("{x:.2}"))
                    .attr("y", y)
                    .attr("width", format!("{width:.2}"))
                    .attr("height", row_h - 6.0)
                    .attr("fill", colour),
            );
            if *p >= 8.0 {
                shapes.push(
                    Shape::new("text")
                        .attr("x", format!("{:.2}", x + width / 2.0))
                        .attr("y", y + 13.0)
                        .attr("text-anchor", "middle")
                        .attr("font-size", 10)
                        .attr("fill", ink_on(colour))
                        .text(&format!("{p:.0}%")),
                );
            }
            x += width;
        }
    }
    chart(index, label_w + bar_w + n_w, rows.len() as f64 * row_h + 4.0, &item.label, shapes)
}

/// Horizontal bars: share of respondents choosing each choice.
fn bar_chart(item: &Item, index: usize) -> Value {
    let (label_w, bar_w, row_h) = (190.0, 440.0, 22.0);
    let mut shapes = Vec::new();
    for (r, (choice, share)) in item.respondent_share.iter().enumerate() {
        let y = r as f64 * row_h + 2.0;
        let label = item.choice_labels.get(choice).map_or(choice, String::as_str);
        shapes.push(text(label_w - 6.0, y + 14.0).attr("text-anchor", "end").attr("font-size", 11).text(label));
        if let Some(share) = share {
            let width = bar_w * share / 100.0;
            shapes.push(
                Shape::new("rect")
                    .attr("x", label_w)
                    .attr("y", y)
                    .attr("width", format!("{width:.2}"))
                    .attr("height", row_h - 6.0)
                    .attr("fill", PALETTE[0]),
            );
            shapes.push(
                Shape::new("text")
                    .attr("x", format!("{:.2}", label_w + width + 4.0))
                    .attr("y", y + 13.0)
                    .attr("font-size", 10)
                    .text(&format!("{share:.1}%")),
            );
        }
    }
    let height = item.respondent_share.0.len() as f64 * row_h + 4.0;
    chart(index, label_w + bar_w + 50.0, height, &item.label, shapes)
}

fn text(x: f64, y: f64) -> Shape {
    Shape::new("text").attr("x", x).attr("y", y)
}

fn rect(x: f64, y: f64, width: f64, height: f64) -> Shape {
    Shape::new("rect").attr("x", x).attr("y", y).attr("width", width).attr("height", height)
}

fn chart(index: usize, width: f64, height: f64, title: &str, shapes: Vec<Shape>) -> Value {
    json!({
        "index": index,
        "width": width.to_string(),
        "height": height.to_string(),
        "title": title,
        "shapes": shapes,
    })
}

fn choice_rows(item: &Item, rows: &[ChartRow], w: &Words) -> Vec<Value> {
    rows.iter()
        .map(|(label, n, counts, percent)| {
            let cells: Vec<String> = item
                .choice_labels
                .iter()
                .map(|(choice, _)| {
                    let c = counts.get(choice).copied().flatten();
                    let p = percent.get(choice).copied().flatten();
                    format!("{} ({})", count(c, w), pct(p, w))
                })
                .collect();
            json!({ "label": label, "n": count(*n, w), "cells": cells })
        })
        .collect()
}

fn number_rows(analysis: &Analysis, item: &Item, w: &Words) -> Vec<Value> {
    rows::number_rows(analysis, item, w).into_iter().map(|(label, cells)| row(&label, cells)).collect()
}
