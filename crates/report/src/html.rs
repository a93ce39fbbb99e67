//! The report as one self-contained HTML page: inline CSS and SVG, no JavaScript, print-ready
//! on A4. Every piece of text passes through `esc`, so no answer or label can inject markup.

use crate::rows::{ChartRow, chart_rows, segment_label};
use crate::words::{self, PALETTE, Words, count, ink_on, p_value, pct};
use mamori_analysis::{Analysis, Item};
use std::fmt::Write;

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The document's own Content-Security-Policy, so that a saved copy opened from disk runs no
/// script and loads nothing, whatever a label or answer holds (a server sends the same policy
/// as a header; `frame-ancestors` works only there).
pub const CSP_META: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'\">";

const STYLE: &str = r#"
@page { size: A4; margin: 14mm 12mm; }
:root { color-scheme: light; }
body { font-family: "Noto Sans CJK JP", "IPAexGothic", "Hiragino Sans", "Yu Gothic", sans-serif; color: #1a1a1a; margin: 0 auto; max-width: 190mm; padding: 8mm 6mm; line-height: 1.55; font-size: 10.5pt; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 13.5pt; border-bottom: 2px solid #0072B2; padding-bottom: 1mm; margin-top: 9mm; break-after: avoid; }
h3 { font-size: 11pt; margin: 6mm 0 2mm; break-after: avoid; }
p.meta { color: #444; margin: 0 0 4mm; }
p.note { color: #444; font-size: 9pt; }
section.item { break-inside: avoid; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 3mm; font-size: 9pt; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: bold; padding-bottom: 1mm; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; }
th { background: #eef3f8; text-align: left; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
ul.findings li { margin-bottom: 2mm; }
figure { margin: 2mm 0; }
svg text { font-family: inherit; }
.legend { display: flex; flex-wrap: wrap; gap: 2mm 5mm; font-size: 9pt; margin: 1mm 0; padding: 0; list-style: none; }
.legend li::before { content: ""; display: inline-block; width: 3mm; height: 3mm; margin-right: 1.2mm; vertical-align: -0.3mm; background: var(--swatch); border: 1px solid #555; }
@media print { body { padding: 0; } a { color: inherit; } }
"#;

pub fn render(analysis: &Analysis) -> String {
    let w = words::for_language(&analysis.language);
    let mut h = String::with_capacity(256 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n{CSP_META}\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        w.lang,
        esc(&analysis.title)
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&analysis.title));
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} · {} {} · {}: {}</p>",
        esc(&analysis.form_id),
        w.version,
        esc(&analysis.version),
        w.respondents,
        count(Some(analysis.n), w)
    );
    let _ = writeln!(h, "<p class=\"note\">{}</p>", if analysis.published { w.published } else { w.analyst });

    let _ = writeln!(h, "<h2 id=\"findings\">{}</h2>\n<ul class=\"findings\">", w.findings);
    if analysis.findings.is_empty() {
        let _ = writeln!(h, "<li>{}</li>", w.no_findings);
    }
    for finding in &analysis.findings {
        let _ = writeln!(h, "<li>{}</li>", esc(finding));
    }
    h.push_str("</ul>\n");

    segments_table(&mut h, analysis, w);
    indicators_table(&mut h, analysis, w);
    lagging_table(&mut h, analysis, w);

    let mut current_section: Option<&str> = None;
    for (index, item) in analysis.items.iter().enumerate() {
        let section = item.section.first().map(String::as_str).unwrap_or("");
        if current_section != Some(section) {
            let _ = writeln!(h, "<h2>{}</h2>", esc(section));
            current_section = Some(section);
        }
        item_section(&mut h, analysis, item, index, w);
    }

    let _ = writeln!(h, "<h2>{}</h2>", w.method);
    for line in w.method_text {
        let _ = writeln!(h, "<p class=\"note\">{line}</p>");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn segments_table(h: &mut String, analysis: &Analysis, w: &Words) {
    if analysis.segments.is_empty() {
        return;
    }
    let _ = writeln!(h, "<h2>{}</h2>", w.segments);
    for (question, sizes) in analysis.segments.iter() {
        let title = analysis.labels.segment_questions.get(question).map_or(question, String::as_str);
        let _ = writeln!(
            h,
            "<table>\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">%</th></tr></thead>\n<tbody>",
            esc(title),
            w.segment,
            w.respondents
        );
        for (segment, n) in sizes.iter() {
            let label = segment_label(analysis, question, segment);
            let share =
                n.and_then(|n| (analysis.n > 0).then(|| (n as f64 / analysis.n as f64 * 1000.0).round() / 10.0));
            let _ = writeln!(
                h,
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(label),
                count(*n, w),
                pct(share, w)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
}

fn indicators_table(h: &mut String, analysis: &Analysis, w: &Words) {
    if analysis.indicators.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>",
        w.indicators, w.item, w.overall
    );
    let segment_columns: Vec<(&str, &str)> =
        analysis.segments.iter().flat_map(|(q, sizes)| sizes.iter().map(move |(s, _)| (q, s))).collect();
    for (q, s) in &segment_columns {
        let _ = write!(h, "<th scope=\"col\">{}</th>", esc(segment_label(analysis, q, s)));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for indicator in &analysis.indicators {
        let _ = write!(
            h,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td>",
            esc(&indicator.label),
            pct(indicator.percent, w)
        );
        for (q, s) in &segment_columns {
            let cell = indicator.by.get(q).and_then(|b| b.get(s));
            let _ = write!(h, "<td class=\"num\">{}</td>", pct(cell.and_then(|c| c.percent), w));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

fn lagging_table(h: &mut String, analysis: &Analysis, w: &Words) {
    let _ = writeln!(h, "<h2>{}</h2>\n<p class=\"note\">{}</p>", w.lagging, w.lagging_note);
    if analysis.lagging.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", w.no_findings);
        return;
    }
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">p (Holm)</th></tr></thead>\n<tbody>",
        w.segment, w.item, w.share_best, w.share_rest
    );
    for lag in &analysis.lagging {
        let item = analysis.items.iter().find(|i| i.name == lag.item).map_or(lag.item.as_str(), |i| i.label.as_str());
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.1}% (n={})</td><td class=\"num\">{:.1}% (n={})</td><td class=\"num\">{}</td></tr>",
            esc(segment_label(analysis, &lag.segment_question, &lag.segment)),
            esc(item),
            lag.share,
            lag.n,
            lag.share_rest,
            lag.n_rest,
            p_value(lag.p_holm)
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

fn item_section(h: &mut String, analysis: &Analysis, item: &Item, index: usize, w: &Words) {
    let _ = writeln!(h, "<section class=\"item\" id=\"q-{}\">\n<h3>{}</h3>", esc(&item.name), esc(&item.label));
    match item.kind.as_str() {
        "select_one" => {
            let rows = chart_rows(analysis, item, w);
            legend(h, item);
            stacked_chart(h, item, &rows, index);
            choice_table(h, item, &rows, w);
            for (question, test) in item.test.iter() {
                let name = match test.method.as_str() {
                    "chi_square" => w.chi_square,
                    "fisher_exact" => w.fisher_exact,
                    _ => w.fisher_monte_carlo,
                };
                let title = analysis.labels.segment_questions.get(question).map_or(question, String::as_str);
                let _ = writeln!(
                    h,
                    "<p class=\"note\">{}：{}（χ² = {:.2}, df = {}）{}、Holm {}</p>",
                    esc(title),
                    name,
                    test.statistic,
                    test.dof,
                    p_value(test.p),
                    p_value(test.p_holm)
                );
            }
        }
        "select_multiple" => {
            bar_chart(h, item, index);
            let _ = writeln!(
                h,
                "<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>",
                w.item, w.count, w.share_of_mentions, w.share_of_respondents
            );
            for (choice, n) in item.counts.iter() {
                let label = item.choice_labels.get(choice).map_or(choice, String::as_str);
                let _ = writeln!(
                    h,
                    "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    esc(label),
                    count(*n, w),
                    pct(item.mention_share.get(choice).copied().flatten(), w),
                    pct(item.respondent_share.get(choice).copied().flatten(), w)
                );
            }
            let _ = writeln!(
                h,
                "</tbody>\n</table>\n<p class=\"note\">{}: {} · {}: {}</p>",
                w.answered,
                count(item.n, w),
                w.mentions,
                count(item.mentions, w)
            );
        }
        "integer" | "decimal" => number_table(h, analysis, item, w),
        _ => {
            let _ = writeln!(h, "<p>{}: {}</p>", w.answered, count(item.n, w));
            if !item.coded.is_empty() {
                let _ = writeln!(
                    h,
                    "<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>",
                    w.category, w.count
                );
                for (category, n) in item.coded.iter() {
                    let label = item.category_labels.get(category).map_or(category, String::as_str);
                    let _ = writeln!(
                        h,
                        "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td></tr>",
                        esc(label),
                        count(*n, w)
                    );
                }
                h.push_str("</tbody>\n</table>\n");
            }
        }
    }
    h.push_str("</section>\n");
}

fn legend(h: &mut String, item: &Item) {
    h.push_str("<ul class=\"legend\">");
    for (k, (_, label)) in item.choice_labels.iter().enumerate() {
        let _ = write!(h, "<li style=\"--swatch:{}\">{}</li>", PALETTE[k % PALETTE.len()], esc(label));
    }
    h.push_str("</ul>\n");
}

/// 100% stacked bars, one per row, n at the right; a withheld row is an empty outline.
fn stacked_chart(h: &mut String, item: &Item, rows: &[ChartRow], index: usize) {
    let (label_w, bar_w, row_h, n_w) = (250.0, 360.0, 24.0, 60.0);
    let height = rows.len() as f64 * row_h + 4.0;
    let _ = writeln!(
        h,
        "<figure><svg role=\"img\" aria-labelledby=\"chart-{index}\" viewBox=\"0 0 {} {height}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-{index}\">{}</title>",
        label_w + bar_w + n_w,
        esc(&item.label)
    );
    for (r, (label, n, _, percent)) in rows.iter().enumerate() {
        let y = r as f64 * row_h + 2.0;
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"10\">{}</text>",
            label_w - 6.0,
            y + 14.0,
            esc(label)
        );
        let n_text = n.map_or("n=—".to_string(), |n| format!("n={n}"));
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#444\">{n_text}</text>",
            label_w + bar_w + 6.0,
            y + 14.0
        );
        let mut x = label_w;
        let total: f64 = percent.iter().filter_map(|(_, p)| *p).sum();
        if n.is_none() || total <= 0.0 {
            let _ = write!(
                h,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{bar_w}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>",
                row_h - 6.0
            );
            continue;
        }
        for (k, (_, p)) in percent.iter().enumerate() {
            let Some(p) = p else { continue };
            let width = bar_w * p / total;
            let colour = PALETTE[k % PALETTE.len()];
            let _ = write!(
                h,
                "<rect x=\"{x:.2}\" y=\"{y}\" width=\"{width:.2}\" height=\"{}\" fill=\"{colour}\"/>",
                row_h - 6.0
            );
            if *p >= 8.0 {
                let _ = write!(
                    h,
                    "<text x=\"{:.2}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{}\">{p:.0}%</text>",
                    x + width / 2.0,
                    y + 13.0,
                    ink_on(colour)
                );
            }
            x += width;
        }
    }
    h.push_str("</svg></figure>\n");
}

/// Horizontal bars: share of respondents choosing each choice.
fn bar_chart(h: &mut String, item: &Item, index: usize) {
    let (label_w, bar_w, row_h) = (190.0, 440.0, 22.0);
    let height = item.respondent_share.0.len() as f64 * row_h + 4.0;
    let _ = writeln!(
        h,
        "<figure><svg role=\"img\" aria-labelledby=\"chart-{index}\" viewBox=\"0 0 {} {height}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-{index}\">{}</title>",
        label_w + bar_w + 50.0,
        esc(&item.label)
    );
    for (r, (choice, share)) in item.respondent_share.iter().enumerate() {
        let y = r as f64 * row_h + 2.0;
        let label = item.choice_labels.get(choice).map_or(choice, String::as_str);
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\">{}</text>",
            label_w - 6.0,
            y + 14.0,
            esc(label)
        );
        if let Some(share) = share {
            let width = bar_w * share / 100.0;
            let _ = write!(
                h,
                "<rect x=\"{label_w}\" y=\"{y}\" width=\"{width:.2}\" height=\"{}\" fill=\"{}\"/>",
                row_h - 6.0,
                PALETTE[0]
            );
            let _ = write!(
                h,
                "<text x=\"{:.2}\" y=\"{}\" font-size=\"10\">{share:.1}%</text>",
                label_w + width + 4.0,
                y + 13.0
            );
        }
    }
    h.push_str("</svg></figure>\n");
}

fn choice_table(h: &mut String, item: &Item, rows: &[ChartRow], w: &Words) {
    let _ = write!(h, "<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">n</th>", w.segment);
    for (_, label) in item.choice_labels.iter() {
        let _ = write!(h, "<th scope=\"col\">{}</th>", esc(label));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (label, n, counts, percent) in rows {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td>", esc(label), count(*n, w));
        for (choice, _) in item.choice_labels.iter() {
            let c = counts.get(choice).copied().flatten();
            let p = percent.get(choice).copied().flatten();
            let _ = write!(h, "<td class=\"num\">{} ({})</td>", count(c, w), pct(p, w));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

fn number_table(h: &mut String, analysis: &Analysis, item: &Item, w: &Words) {
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">n</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>",
        w.segment, w.sum, w.mean, w.q1, w.median, w.q3, w.min, w.max
    );
    let mut line = |label: &str, n: Option<u64>, stats: Option<&mamori_analysis::NumberStats>| {
        let f = |x: Option<f64>| x.map_or_else(|| w.suppressed.to_string(), words::number);
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(label),
            count(n, w),
            f(stats.map(|s| s.sum)),
            f(stats.map(|s| s.mean)),
            f(stats.map(|s| s.q1)),
            f(stats.map(|s| s.median)),
            f(stats.map(|s| s.q3)),
            f(stats.and_then(|s| s.min)),
            f(stats.and_then(|s| s.max)),
        );
    };
    line(w.overall, item.n, item.stats.as_ref());
    for (question, by) in item.by.iter() {
        for (segment, cell) in by.iter().filter(|(_, c)| c.n != Some(0)) {
            line(segment_label(analysis, question, segment), cell.n, cell.stats.as_ref());
        }
    }
    h.push_str("</tbody>\n</table>\n");
}
