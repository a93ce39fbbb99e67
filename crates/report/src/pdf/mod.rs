//! The report as a PDF, written by Mamori itself: the same content as the HTML page (findings,
//! tables, stacked bar charts, tests), A4 portrait, the Japanese font embedded as a subset.

mod font;
mod writer;

use crate::rows::{ChartRow, chart_rows, segment_label};
use crate::words::{self, PALETTE, Words, count, ink_on, p_value, pct};
use font::Font;
use mamori_analysis::{Analysis, Item};
use std::fmt::Write;

pub(crate) const PAGE: (f64, f64) = (595.28, 841.89);
pub(crate) const MARGIN: f64 = 42.0;
pub(crate) const BOTTOM: f64 = PAGE.1 - MARGIN - 14.0;
pub(crate) const WIDTH: f64 = PAGE.0 - 2.0 * MARGIN;
pub(crate) const INK: &str = "#1A1A1A";
pub(crate) const GREY: &str = "#555555";
pub(crate) const RULE: &str = "#0072B2";

pub fn render(analysis: &Analysis) -> Result<Vec<u8>, String> {
    let w = words::for_language(&analysis.language);
    let mut doc = Doc { font: Font::load(), pages: Vec::new(), page: String::new(), y: MARGIN };
    doc.paragraph(&analysis.title, 16.0, 0.0, INK);
    doc.gap(2.0);
    doc.paragraph(
        &format!(
            "{} · {} {} · {}: {}",
            analysis.form_id,
            w.version,
            analysis.version,
            w.respondents,
            count(Some(analysis.n), w)
        ),
        9.0,
        0.0,
        GREY,
    );
    doc.paragraph(if analysis.published { w.published } else { w.analyst }, 8.0, 0.0, GREY);

    doc.heading(w.findings);
    if analysis.findings.is_empty() {
        doc.paragraph(w.no_findings, 9.5, 0.0, INK);
    }
    for finding in &analysis.findings {
        doc.paragraph(&format!("・{finding}"), 9.5, 0.0, INK);
        doc.gap(3.0);
    }

    if !analysis.segments.is_empty() {
        doc.heading(w.segments);
        for (question, sizes) in analysis.segments.iter() {
            doc.paragraph(
                analysis.labels.segment_questions.get(question).map_or(question, String::as_str),
                9.0,
                0.0,
                INK,
            );
            let rows: Vec<Vec<String>> = sizes
                .iter()
                .map(|(segment, n)| {
                    let share = n.map(|n| (n as f64 / analysis.n.max(1) as f64 * 1000.0).round() / 10.0);
                    vec![segment_label(analysis, question, segment).to_string(), count(*n, w), pct(share, w)]
                })
                .collect();
            doc.table(&[0.6, 0.2, 0.2], &[w.segment.into(), w.respondents.into(), "%".into()], &rows);
        }
    }

    if !analysis.indicators.is_empty() {
        doc.heading(w.indicators);
        let mut rows = Vec::new();
        for indicator in &analysis.indicators {
            rows.push(vec![indicator.label.clone(), w.overall.to_string(), pct(indicator.percent, w)]);
            for (question, by) in indicator.by.iter() {
                for (segment, cell) in by.iter() {
                    rows.push(vec![
                        String::new(),
                        segment_label(analysis, question, segment).to_string(),
                        pct(cell.percent, w),
                    ]);
                }
            }
        }
        doc.table(&[0.45, 0.4, 0.15], &[w.item.into(), w.segment.into(), w.value.into()], &rows);
    }

    doc.heading(w.lagging);
    doc.paragraph(w.lagging_note, 8.0, 0.0, GREY);
    if analysis.lagging.is_empty() {
        doc.paragraph(w.no_findings, 9.0, 0.0, INK);
    } else {
        let rows: Vec<Vec<String>> = analysis
            .lagging
            .iter()
            .map(|lag| {
                let item =
                    analysis.items.iter().find(|i| i.name == lag.item).map_or(lag.item.as_str(), |i| i.label.as_str());
                vec![
                    segment_label(analysis, &lag.segment_question, &lag.segment).to_string(),
                    item.to_string(),
                    format!("{:.1}% (n={})", lag.share, lag.n),
                    format!("{:.1}% (n={})", lag.share_rest, lag.n_rest),
                    p_value(lag.p_holm),
                ]
            })
            .collect();
        doc.table(
            &[0.22, 0.38, 0.14, 0.14, 0.12],
            &[w.segment.into(), w.item.into(), w.share_best.into(), w.share_rest.into(), "Holm".into()],
            &rows,
        );
    }

    let mut section: Option<&str> = None;
    for item in &analysis.items {
        let s = item.section.first().map(String::as_str).unwrap_or("");
        if section != Some(s) {
            doc.heading(s);
            section = Some(s);
        }
        doc.item(analysis, item, w);
    }

    doc.heading(w.method);
    for line in w.method_text {
        doc.paragraph(line, 8.5, 0.0, GREY);
    }
    doc.finish(&analysis.title)
}

/// A respondent's feedback as a PDF: the same content as its HTML page.
pub fn render_feedback(f: &mamori_analysis::Feedback) -> Result<Vec<u8>, String> {
    let english = f.language.to_lowercase().contains("(en)") || f.language.to_lowercase().starts_with("en");
    let t = |ja: &'static str, en: &'static str| if english { en } else { ja };
    let pct = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{:.0}", v * 100.0));
    let mut doc = Doc { font: Font::load(), pages: Vec::new(), page: String::new(), y: MARGIN };
    doc.paragraph(t("フィードバック", "Feedback"), 16.0, 0.0, INK);
    doc.paragraph(&f.title, 9.0, 0.0, GREY);
    let segment_label =
        f.segment.as_ref().map_or(t("同じ業態", "Same licence class").to_string(), |s| s.label.clone());
    if f.segment.is_some() {
        doc.paragraph(&format!("{}: {segment_label}", t("業態", "Licence class")), 9.0, 0.0, GREY);
    }
    doc.heading(t("総合スコア", "Overall score"));
    doc.paragraph(&format!("{} / 100", pct(f.overall.score)), 14.0, 0.0, RULE);
    let row = |label: &str, p: &mamori_analysis::feedback::PeerFigures| -> Vec<String> {
        match &p.withheld {
            Some(reason) => vec![format!("{label} (n={})", p.peer_n), reason.clone(), String::new(), String::new()],
            None => vec![
                format!("{label} (n={})", p.peer_n),
                p.percentile.map_or("—".into(), |v| format!("{v:.0}%")),
                pct(p.peer_median),
                format!("{}–{}", pct(p.peer_q1), pct(p.peer_q3)),
            ],
        }
    };
    let rows = vec![row(&segment_label, &f.overall.segment), row(t("回答者全体", "All respondents"), &f.overall.all)];
    doc.table(
        &[0.34, 0.3, 0.16, 0.2],
        &[
            String::new(),
            t("順位（下位からの割合）", "Percentile").into(),
            t("中央値", "Median").into(),
            t("四分位範囲", "Interquartile range").into(),
        ],
        &rows,
    );
    if let Some((own, peers)) = crate::feedback_html::change_lines(f, english) {
        doc.paragraph(t("前回の調査からの変化", "Change since the previous survey"), 10.0, 0.0, INK);
        doc.paragraph(&own, 9.5, 0.0, RULE);
        doc.paragraph(&peers, 8.5, 0.0, GREY);
        doc.gap(4.0);
    }
    doc.heading(t("優先して取り組むこと", "What to do first"));
    if f.gaps.is_empty() {
        doc.paragraph(
            t(
                "すべての項目で最良の回答でした。取り組みを維持してください。",
                "You gave the best answer on every item. Keep it up.",
            ),
            9.5,
            0.0,
            INK,
        );
    }
    for (k, gap) in f.gaps.iter().enumerate() {
        doc.need(60.0);
        doc.paragraph(&format!("{}. {}", k + 1, gap.label), 10.0, 0.0, INK);
        let mut line = format!("{}: {}", t("貴社の回答", "Your answer"), gap.answer_label);
        if let Some(p) = gap.peers_better {
            line.push_str(&format!(" · {}: {p:.0}%", t("既により進んでいる同業の割合", "Peers already further ahead")));
        }
        doc.paragraph(&line, 8.5, 12.0, GREY);
        if let Some(r) = &gap.reference {
            doc.paragraph(&format!("{}: {r}", t("関連する規格・指針", "Clauses")), 8.5, 12.0, GREY);
        }
        if let Some(g) = &gap.guidance {
            doc.paragraph(g, 9.0, 12.0, INK);
        }
        doc.gap(4.0);
    }
    doc.heading(t("分野別のスコア", "Scores by area"));
    let rows: Vec<Vec<String>> = f
        .groups
        .iter()
        .map(|(name, s)| {
            vec![
                f.group_labels.get(name).map_or(name, String::as_str).to_string(),
                pct(s.score),
                pct(s.segment.peer_median),
                pct(s.all.peer_median),
            ]
        })
        .collect();
    doc.table(
        &[0.46, 0.18, 0.18, 0.18],
        &[
            t("分野", "Area").into(),
            t("貴社", "You").into(),
            format!("{}（{segment_label}）", t("中央値", "Median")),
            t("中央値（全体）", "Median (all)").into(),
        ],
        &rows,
    );
    doc.heading(t("項目別の回答", "Your answers"));
    let rows: Vec<Vec<String>> =
        f.items.iter().map(|i| vec![i.label.clone(), i.answer_label.clone(), pct(i.score)]).collect();
    doc.table(
        &[0.6, 0.28, 0.12],
        &[t("項目", "Item").into(), t("貴社の回答", "Your answer").into(), t("スコア", "Score").into()],
        &rows,
    );
    doc.finish(&format!("{} — {}", t("フィードバック", "Feedback"), f.title))
}

fn rgb(colour: &str) -> String {
    let v = |i: usize| u8::from_str_radix(&colour[i..i + 2], 16).map_or(0.0, |x| f64::from(x) / 255.0);
    format!("{:.3} {:.3} {:.3}", v(1), v(3), v(5))
}

pub(crate) struct Doc {
    font: Font,
    pages: Vec<String>,
    page: String,
    /// Distance from the top of the page to the next free line.
    pub(crate) y: f64,
}

impl Doc {
    pub(crate) fn new() -> Doc {
        Doc { font: Font::load(), pages: Vec::new(), page: String::new(), y: MARGIN }
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.page));
        self.y = MARGIN;
    }

    pub(crate) fn need(&mut self, height: f64) {
        if self.y + height > BOTTOM && self.y > MARGIN {
            self.new_page();
        }
    }

    pub(crate) fn gap(&mut self, h: f64) {
        self.y += h;
    }

    /// Text with its top at `top`.
    pub(crate) fn text(&mut self, x: f64, top: f64, size: f64, text: &str, colour: &str) {
        let baseline = PAGE.1 - top - size * 0.88;
        let encoded = self.font.encode(text);
        let _ = writeln!(self.page, "BT {} rg /F1 {size:.2} Tf {x:.2} {baseline:.2} Td {encoded} Tj ET", rgb(colour));
    }

    pub(crate) fn rect(&mut self, x: f64, top: f64, w: f64, h: f64, fill: &str) {
        let _ = writeln!(self.page, "{} rg {x:.2} {:.2} {w:.2} {h:.2} re f", rgb(fill), PAGE.1 - top - h);
    }

    pub(crate) fn outline(&mut self, x: f64, top: f64, w: f64, h: f64, stroke: &str) {
        let _ = writeln!(self.page, "0.6 w {} RG {x:.2} {:.2} {w:.2} {h:.2} re S", rgb(stroke), PAGE.1 - top - h);
    }

    /// Breaks text into lines no wider than `width`: at spaces where possible, else between
    /// any two characters (as Japanese text breaks).
    pub(crate) fn wrap(&self, text: &str, size: f64, width: f64) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for c in text.chars() {
            line.push(c);
            if self.font.width(&line, size) > width && line.chars().count() > 1 {
                line.pop();
                let (keep, carry) = match line.rfind(' ') {
                    Some(i) if i > 0 && line[..i].is_ascii() == line.is_ascii() && line.is_ascii() => {
                        (line[..i].to_string(), line[i + 1..].to_string())
                    }
                    _ => (line.clone(), String::new()),
                };
                lines.push(keep);
                line = carry;
                line.push(c);
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    pub(crate) fn paragraph(&mut self, text: &str, size: f64, indent: f64, colour: &str) {
        for line in self.wrap(text, size, WIDTH - indent) {
            self.need(size * 1.5);
            self.text(MARGIN + indent, self.y, size, &line, colour);
            self.y += size * 1.5;
        }
    }

    pub(crate) fn heading(&mut self, text: &str) {
        self.need(60.0);
        self.y += 10.0;
        self.text(MARGIN, self.y, 13.0, text, INK);
        self.y += 17.0;
        self.rect(MARGIN, self.y, WIDTH, 1.2, RULE);
        self.y += 6.0;
    }

    /// A table with wrapped cells; `widths` are fractions of the text width. Numbers (cells
    /// starting with a digit, a dash or '<') are right-aligned. The header repeats on a new page.
    pub(crate) fn table(&mut self, widths: &[f64], header: &[String], rows: &[Vec<String>]) {
        let size = 7.5;
        let cols: Vec<f64> = widths.iter().map(|f| f * WIDTH).collect();
        let layout = |doc: &Doc, cells: &[String]| -> (Vec<Vec<String>>, f64) {
            let wrapped: Vec<Vec<String>> = cells.iter().zip(&cols).map(|(c, w)| doc.wrap(c, size, w - 5.0)).collect();
            let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f64;
            (wrapped, lines * size * 1.3 + 4.0)
        };
        let (head, head_h) = layout(self, header);
        let draw = |doc: &mut Doc, wrapped: &[Vec<String>], h: f64, shaded: bool| {
            let mut x = MARGIN;
            if shaded {
                doc.rect(MARGIN, doc.y, WIDTH, h, "#EEF3F8");
            }
            for (lines, w) in wrapped.iter().zip(&cols) {
                for (k, line) in lines.iter().enumerate() {
                    let numeric = line.starts_with(|c: char| c.is_ascii_digit() || c == '—' || c == '<' || c == '-');
                    let tx = if numeric && !shaded { x + w - 2.5 - doc.font.width(line, size) } else { x + 2.5 };
                    doc.text(tx, doc.y + 2.0 + k as f64 * size * 1.3, size, line, INK);
                }
                doc.outline(x, doc.y, *w, h, "#BBBBBB");
                x += w;
            }
            doc.y += h;
        };
        self.need(head_h * 2.0);
        draw(self, &head, head_h, true);
        for row in rows {
            let (cells, h) = layout(self, row);
            if self.y + h > BOTTOM {
                self.new_page();
                draw(self, &head, head_h, true);
            }
            draw(self, &cells, h, false);
        }
        self.y += 6.0;
    }

    pub(crate) fn item(&mut self, analysis: &Analysis, item: &Item, w: &Words) {
        self.need(80.0);
        self.y += 4.0;
        self.paragraph(&item.label, 10.0, 0.0, INK);
        self.y += 2.0;
        match item.kind.as_str() {
            "select_one" => {
                let rows = chart_rows(analysis, item, w);
                // Keep the legend and the chart on one page.
                self.need(rows.len() as f64 * 15.0 + 40.0);
                self.legend(item);
                self.stacked(&rows);
                let mut header = vec![w.segment.to_string(), "n".to_string()];
                header.extend(item.choice_labels.iter().map(|(_, l)| l.clone()));
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|(label, n, counts, percent)| {
                        let mut cells = vec![label.clone(), count(*n, w)];
                        for (choice, _) in item.choice_labels.iter() {
                            cells.push(format!(
                                "{} ({})",
                                count(counts.get(choice).copied().flatten(), w),
                                pct(percent.get(choice).copied().flatten(), w)
                            ));
                        }
                        cells
                    })
                    .collect();
                let rest = (1.0 - 0.3 - 0.07) / item.choice_labels.0.len().max(1) as f64;
                let mut widths = vec![0.3, 0.07];
                widths.extend(std::iter::repeat_n(rest, item.choice_labels.0.len()));
                self.table(&widths, &header, &table);
                for (question, test) in item.test.iter() {
                    let name = match test.method.as_str() {
                        "chi_square" => w.chi_square,
                        "fisher_exact" => w.fisher_exact,
                        _ => w.fisher_monte_carlo,
                    };
                    let title = analysis.labels.segment_questions.get(question).map_or(question, String::as_str);
                    self.paragraph(
                        &format!(
                            "{title}：{name}（χ² = {:.2}, df = {}）{}、Holm {}",
                            test.statistic,
                            test.dof,
                            p_value(test.p),
                            p_value(test.p_holm)
                        ),
                        7.5,
                        0.0,
                        GREY,
                    );
                }
            }
            "select_multiple" => {
                let rows: Vec<Vec<String>> = item
                    .counts
                    .iter()
                    .map(|(choice, n)| {
                        vec![
                            item.choice_labels.get(choice).map_or(choice, String::as_str).to_string(),
                            count(*n, w),
                            pct(item.mention_share.get(choice).copied().flatten(), w),
                            pct(item.respondent_share.get(choice).copied().flatten(), w),
                        ]
                    })
                    .collect();
                self.bars(item);
                self.table(
                    &[0.46, 0.14, 0.2, 0.2],
                    &[w.item.into(), w.count.into(), w.share_of_mentions.into(), w.share_of_respondents.into()],
                    &rows,
                );
                self.paragraph(
                    &format!("{}: {} · {}: {}", w.answered, count(item.n, w), w.mentions, count(item.mentions, w)),
                    7.5,
                    0.0,
                    GREY,
                );
            }
            "rank" => {
                let rows: Vec<Vec<String>> = crate::rows::rank_rows(item, w)
                    .into_iter()
                    .map(|(label, cells)| std::iter::once(label).chain(cells).collect())
                    .collect();
                self.table(
                    &[0.46, 0.18, 0.18, 0.18],
                    &[w.item.into(), w.mean_rank.into(), w.first_place.into(), w.first_place_share.into()],
                    &rows,
                );
                self.paragraph(&format!("{}: {} · {}", w.answered, count(item.n, w), w.rank_note), 7.5, 0.0, GREY);
            }
            "integer" | "decimal" | "range" => {
                // The PDF's narrower table leaves out min and max.
                let rows: Vec<Vec<String>> = crate::rows::number_rows(analysis, item, w)
                    .into_iter()
                    .map(|(label, cells)| std::iter::once(label).chain(cells.into_iter().take(6)).collect())
                    .collect();
                self.table(
                    &[0.34, 0.1, 0.12, 0.11, 0.11, 0.11, 0.11],
                    &[
                        w.segment.into(),
                        "n".into(),
                        w.sum.into(),
                        w.mean.into(),
                        w.q1.into(),
                        w.median.into(),
                        w.q3.into(),
                    ],
                    &rows,
                );
            }
            _ => {
                self.paragraph(&format!("{}: {}", w.answered, count(item.n, w)), 8.5, 0.0, INK);
                if !item.coded.is_empty() {
                    let rows: Vec<Vec<String>> = item
                        .coded
                        .iter()
                        .map(|(category, n)| {
                            vec![
                                item.category_labels.get(category).map_or(category, String::as_str).to_string(),
                                count(*n, w),
                            ]
                        })
                        .collect();
                    self.table(&[0.7, 0.3], &[w.category.into(), w.count.into()], &rows);
                }
            }
        }
    }

    pub(crate) fn legend(&mut self, item: &Item) {
        let size = 7.5;
        let mut x = MARGIN;
        self.need(size * 2.0);
        for (k, (_, label)) in item.choice_labels.iter().enumerate() {
            let width = 12.0 + self.font.width(label, size) + 10.0;
            if x + width > MARGIN + WIDTH {
                x = MARGIN;
                self.y += size * 1.6;
            }
            self.rect(x, self.y + 1.0, 7.0, 7.0, PALETTE[k % PALETTE.len()]);
            self.text(x + 10.0, self.y, size, label, INK);
            x += width;
        }
        self.y += size * 1.9;
    }

    pub(crate) fn stacked(&mut self, rows: &[ChartRow]) {
        let (label_w, bar_w, row_h) = (190.0, WIDTH - 190.0 - 40.0, 15.0);
        for (label, n, _, percent) in rows {
            self.need(row_h);
            let size = 7.0;
            let lines = self.wrap(label, size, label_w - 8.0);
            let shown = lines.first().cloned().unwrap_or_default();
            let tw = self.font.width(&shown, size);
            self.text(MARGIN + label_w - 6.0 - tw, self.y + 3.0, size, &shown, INK);
            let n_text = n.map_or("n=—".to_string(), |n| format!("n={n}"));
            self.text(MARGIN + label_w + bar_w + 4.0, self.y + 3.0, size, &n_text, GREY);
            let total: f64 = percent.iter().filter_map(|(_, p)| *p).sum();
            let mut x = MARGIN + label_w;
            if n.is_none() || total <= 0.0 {
                self.outline(x, self.y + 1.0, bar_w, row_h - 4.0, "#999999");
            } else {
                for (k, (_, p)) in percent.iter().enumerate() {
                    let Some(p) = p else { continue };
                    let width = bar_w * p / total;
                    let colour = PALETTE[k % PALETTE.len()];
                    self.rect(x, self.y + 1.0, width, row_h - 4.0, colour);
                    if *p >= 8.0 {
                        let text = format!("{p:.0}%");
                        let tw = self.font.width(&text, 6.5);
                        self.text(x + width / 2.0 - tw / 2.0, self.y + 3.2, 6.5, &text, ink_on(colour));
                    }
                    x += width;
                }
            }
            self.y += row_h;
        }
        self.y += 4.0;
    }

    pub(crate) fn bars(&mut self, item: &Item) {
        let (label_w, bar_w, row_h) = (190.0, WIDTH - 190.0 - 40.0, 14.0);
        for (choice, share) in item.respondent_share.iter() {
            self.need(row_h);
            let label = item.choice_labels.get(choice).map_or(choice, String::as_str).to_string();
            let tw = self.font.width(&label, 7.0);
            self.text(MARGIN + label_w - 6.0 - tw, self.y + 2.5, 7.0, &label, INK);
            if let Some(share) = share {
                let width = bar_w * share / 100.0;
                self.rect(MARGIN + label_w, self.y + 1.0, width, row_h - 4.0, PALETTE[0]);
                self.text(MARGIN + label_w + width + 3.0, self.y + 2.5, 7.0, &format!("{share:.1}%"), INK);
            }
            self.y += row_h;
        }
        self.y += 4.0;
    }

    pub(crate) fn finish(mut self, title: &str) -> Result<Vec<u8>, String> {
        self.pages.push(std::mem::take(&mut self.page));
        let total = self.pages.len();
        let mut pages = std::mem::take(&mut self.pages);
        for (i, page) in pages.iter_mut().enumerate() {
            let footer = format!("{} / {total}", i + 1);
            let encoded_title = self.font.encode(title);
            let encoded_footer = self.font.encode(&footer);
            let fw = self.font.width(&footer, 7.0);
            let _ = writeln!(page, "BT {} rg /F1 7 Tf {MARGIN:.2} 24 Td {encoded_title} Tj ET", rgb(GREY));
            let _ =
                writeln!(page, "BT {} rg /F1 7 Tf {:.2} 24 Td {encoded_footer} Tj ET", rgb(GREY), PAGE.0 - MARGIN - fw);
        }
        let font = self.font.embed()?;
        Ok(writer::write(title, &pages, font, PAGE))
    }
}
