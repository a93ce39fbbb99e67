//! The report as an Excel workbook: one sheet per section, tidy tables (one row per figure) an
//! analyst can filter and pivot, numbers as numbers, percentages formatted, headers frozen.

use crate::rows::segment_label;
use crate::words::{self, Words};
use mamori_analysis::{Analysis, Item};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

struct Styles {
    header: Format,
    title: Format,
    percent: Format,
    decimal: Format,
    wrap: Format,
}

pub fn render(analysis: &Analysis) -> Result<Vec<u8>, XlsxError> {
    let w = words::for_language(&analysis.language);
    let styles = Styles {
        header: Format::new()
            .set_bold()
            .set_background_color("#EEF3F8")
            .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin),
        title: Format::new().set_bold().set_font_size(14),
        percent: Format::new().set_num_format("0.0%"),
        decimal: Format::new().set_num_format("0.00"),
        wrap: Format::new().set_text_wrap(),
    };
    let mut book = Workbook::new();
    let mut names: Vec<String> = Vec::new();

    let sheet = add_sheet(&mut book, &mut names, w.summary)?;
    sheet.write_string_with_format(0, 0, &analysis.title, &styles.title)?;
    sheet.write_string(1, 0, format!("{} · {} {}", analysis.form_id, w.version, analysis.version))?;
    sheet.write_string(2, 0, w.respondents)?;
    sheet.write_number(2, 1, analysis.n as f64)?;
    sheet.write_string(3, 0, if analysis.published { w.published } else { w.analyst })?;
    sheet.write_string_with_format(5, 0, w.findings, &styles.header)?;
    for (i, finding) in analysis.findings.iter().enumerate() {
        sheet.write_string_with_format(6 + i as u32, 0, finding, &styles.wrap)?;
    }
    sheet.set_column_width(0, 110)?;

    let sheet = add_sheet(&mut book, &mut names, w.segments)?;
    header(sheet, &[w.segment, w.value, w.respondents, "%"], &styles)?;
    let mut row = 1;
    for (question, sizes) in analysis.segments.iter() {
        for (segment, n) in sizes.iter() {
            sheet.write_string(row, 0, label(&analysis.labels.segment_questions, question))?;
            sheet.write_string(row, 1, segment_label(analysis, question, segment))?;
            count_cell(sheet, row, 2, *n, w)?;
            share_cell(sheet, row, 3, n.map(|n| n as f64 / analysis.n.max(1) as f64 * 100.0), &styles, w)?;
            row += 1;
        }
    }
    widths(sheet, &[30.0, 40.0, 10.0, 8.0])?;

    let sheet = add_sheet(&mut book, &mut names, w.indicators)?;
    header(sheet, &[w.item, w.segment, w.value, "%", w.numerator, w.denominator], &styles)?;
    let mut row = 1;
    for indicator in &analysis.indicators {
        let mut line = |sheet: &mut Worksheet,
                        segment: &str,
                        cell: (Option<f64>, Option<f64>, Option<f64>)|
         -> Result<(), XlsxError> {
            sheet.write_string(row, 0, &indicator.label)?;
            sheet.write_string(row, 1, segment)?;
            share_cell(sheet, row, 3, cell.0, &styles, w)?;
            number_cell(sheet, row, 4, cell.1, &styles, w)?;
            number_cell(sheet, row, 5, cell.2, &styles, w)?;
            row += 1;
            Ok(())
        };
        line(sheet, w.overall, (indicator.percent, indicator.numerator, indicator.denominator))?;
        for (question, by) in indicator.by.iter() {
            for (segment, cell) in by.iter() {
                line(
                    sheet,
                    segment_label(analysis, question, segment),
                    (cell.percent, cell.numerator, cell.denominator),
                )?;
            }
        }
    }
    widths(sheet, &[40.0, 36.0, 8.0, 8.0, 12.0, 12.0])?;

    let sheet = add_sheet(&mut book, &mut names, w.lagging)?;
    header(sheet, &[w.segment, w.item, w.share_best, w.share_rest, "n", "n (rest)", "p", "p (Holm)"], &styles)?;
    for (i, lag) in analysis.lagging.iter().enumerate() {
        let row = i as u32 + 1;
        let item =
            analysis.items.iter().find(|it| it.name == lag.item).map_or(lag.item.as_str(), |it| it.label.as_str());
        sheet.write_string(row, 0, segment_label(analysis, &lag.segment_question, &lag.segment))?;
        sheet.write_string(row, 1, item)?;
        sheet.write_number_with_format(row, 2, lag.share / 100.0, &styles.percent)?;
        sheet.write_number_with_format(row, 3, lag.share_rest / 100.0, &styles.percent)?;
        sheet.write_number(row, 4, lag.n as f64)?;
        sheet.write_number(row, 5, lag.n_rest as f64)?;
        sheet.write_number(row, 6, lag.p)?;
        sheet.write_number(row, 7, lag.p_holm)?;
    }
    widths(sheet, &[36.0, 60.0, 12.0, 12.0, 8.0, 8.0, 12.0, 12.0])?;

    let sheet = add_sheet(&mut book, &mut names, w.test)?;
    header(sheet, &[w.item, w.segment, w.test, "χ²", "df", "p", "p (Holm)"], &styles)?;
    let mut row = 1;
    for item in &analysis.items {
        for (question, test) in item.test.iter() {
            sheet.write_string(row, 0, &item.label)?;
            sheet.write_string(row, 1, label(&analysis.labels.segment_questions, question))?;
            sheet.write_string(row, 2, &test.method)?;
            sheet.write_number_with_format(row, 3, test.statistic, &styles.decimal)?;
            sheet.write_number(row, 4, test.dof)?;
            sheet.write_number(row, 5, test.p)?;
            sheet.write_number(row, 6, test.p_holm)?;
            row += 1;
        }
    }
    widths(sheet, &[60.0, 30.0, 20.0, 10.0, 6.0, 12.0, 12.0])?;

    // One sheet per section with the choice questions of that section.
    let mut sections: Vec<&str> = Vec::new();
    for item in analysis.items.iter().filter(|i| i.kind.starts_with("select")) {
        let section = item.section.first().map(String::as_str).unwrap_or(w.overall);
        if !sections.contains(&section) {
            sections.push(section);
        }
    }
    for section in sections {
        let sheet = add_sheet(&mut book, &mut names, section)?;
        header(sheet, &["name", w.item, w.segment, "n", w.value, w.count, "%", w.share_of_mentions], &styles)?;
        let mut row = 1;
        let in_section = |i: &&Item| {
            i.kind.starts_with("select") && i.section.first().map(String::as_str).unwrap_or(w.overall) == section
        };
        for item in analysis.items.iter().filter(in_section) {
            let mut rows = vec![(w.overall.to_string(), item.n, &item.counts, &item.percent)];
            for (question, by) in item.by.iter() {
                for (segment, cell) in by.iter().filter(|(_, c)| c.n != Some(0)) {
                    rows.push((
                        segment_label(analysis, question, segment).to_string(),
                        cell.n,
                        &cell.counts,
                        &cell.percent,
                    ));
                }
            }
            for (segment, n, counts, percent) in rows {
                for (choice, choice_label) in item.choice_labels.iter() {
                    sheet.write_string(row, 0, &item.name)?;
                    sheet.write_string(row, 1, &item.label)?;
                    sheet.write_string(row, 2, &segment)?;
                    count_cell(sheet, row, 3, n, w)?;
                    sheet.write_string(row, 4, choice_label)?;
                    count_cell(sheet, row, 5, counts.get(choice).copied().flatten(), w)?;
                    share_cell(sheet, row, 6, percent.get(choice).copied().flatten(), &styles, w)?;
                    if segment == w.overall && item.kind == "select_multiple" {
                        share_cell(sheet, row, 7, item.mention_share.get(choice).copied().flatten(), &styles, w)?;
                    }
                    row += 1;
                }
            }
        }
        widths(sheet, &[18.0, 60.0, 36.0, 8.0, 40.0, 8.0, 8.0, 12.0])?;
    }

    // Rankings: each choice's mean place and how many put it first.
    let ranks: Vec<&Item> = analysis.items.iter().filter(|i| i.kind == "rank").collect();
    if !ranks.is_empty() {
        let sheet = add_sheet(&mut book, &mut names, w.rank_sheet)?;
        header(sheet, &["name", w.item, "n", w.value, w.mean_rank, w.first_place, w.first_place_share], &styles)?;
        let mut row = 1;
        for item in ranks {
            for (choice, choice_label) in item.choice_labels.iter() {
                sheet.write_string(row, 0, &item.name)?;
                sheet.write_string(row, 1, &item.label)?;
                count_cell(sheet, row, 2, item.n, w)?;
                sheet.write_string(row, 3, choice_label)?;
                match item.mean_rank.get(choice).copied().flatten() {
                    Some(mean) => sheet.write_number(row, 4, mean)?,
                    None => sheet.write_string(row, 4, w.suppressed)?,
                };
                count_cell(sheet, row, 5, item.counts.get(choice).copied().flatten(), w)?;
                share_cell(sheet, row, 6, item.percent.get(choice).copied().flatten(), &styles, w)?;
                row += 1;
            }
        }
        widths(sheet, &[18.0, 60.0, 8.0, 40.0, 10.0, 10.0, 12.0])?;
    }

    let sheet = add_sheet(&mut book, &mut names, w.numbers_sheet)?;
    header(sheet, &["name", w.item, w.segment, "n", w.sum, w.mean, w.q1, w.median, w.q3, w.min, w.max], &styles)?;
    let mut row = 1;
    for item in analysis.items.iter().filter(|i| matches!(i.kind.as_str(), "integer" | "decimal" | "range")) {
        let mut rows = vec![(w.overall.to_string(), item.n, item.stats.as_ref())];
        for (question, by) in item.by.iter() {
            for (segment, cell) in by.iter().filter(|(_, c)| c.n != Some(0)) {
                rows.push((segment_label(analysis, question, segment).to_string(), cell.n, cell.stats.as_ref()));
            }
        }
        for (segment, n, stats) in rows {
            sheet.write_string(row, 0, &item.name)?;
            sheet.write_string(row, 1, &item.label)?;
            sheet.write_string(row, 2, &segment)?;
            count_cell(sheet, row, 3, n, w)?;
            let values = [
                stats.map(|s| s.sum),
                stats.map(|s| s.mean),
                stats.map(|s| s.q1),
                stats.map(|s| s.median),
                stats.map(|s| s.q3),
                stats.and_then(|s| s.min),
                stats.and_then(|s| s.max),
            ];
            for (k, v) in values.into_iter().enumerate() {
                number_cell(sheet, row, 4 + k as u16, v, &styles, w)?;
            }
            row += 1;
        }
    }
    widths(sheet, &[18.0, 60.0, 36.0, 8.0, 10.0, 10.0, 10.0, 10.0, 10.0, 8.0, 8.0])?;

    let sheet = add_sheet(&mut book, &mut names, w.text_sheet)?;
    header(sheet, &["name", w.item, w.answered, w.category, w.count], &styles)?;
    let mut row = 1;
    for item in analysis.items.iter().filter(|i| i.kind == "text" && !i.coded.is_empty()) {
        for (category, n) in item.coded.iter() {
            sheet.write_string(row, 0, &item.name)?;
            sheet.write_string(row, 1, &item.label)?;
            count_cell(sheet, row, 2, item.n, w)?;
            sheet.write_string(row, 3, label(&item.category_labels, category))?;
            count_cell(sheet, row, 4, *n, w)?;
            row += 1;
        }
    }
    widths(sheet, &[18.0, 50.0, 10.0, 36.0, 8.0])?;

    book.save_to_buffer()
}

/// Adds a sheet with a valid, unique name (at most 31 characters, none of []:*?/\).
fn add_sheet<'b>(
    book: &'b mut Workbook,
    names: &mut Vec<String>,
    wanted: &str,
) -> Result<&'b mut Worksheet, XlsxError> {
    let clean: String = wanted.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).take(28).collect();
    let mut name = clean.clone();
    let mut k = 2;
    while names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
        name = format!("{clean}{k}");
        k += 1;
    }
    names.push(name.clone());
    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    Ok(sheet)
}

fn header(sheet: &mut Worksheet, titles: &[&str], styles: &Styles) -> Result<(), XlsxError> {
    for (c, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &styles.header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn widths(sheet: &mut Worksheet, widths: &[f64]) -> Result<(), XlsxError> {
    for (c, width) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *width)?;
    }
    Ok(())
}

fn count_cell(sheet: &mut Worksheet, row: u32, col: u16, n: Option<u64>, w: &Words) -> Result<(), XlsxError> {
    match n {
        Some(n) => sheet.write_number(row, col, n as f64)?,
        None => sheet.write_string(row, col, w.suppressed)?,
    };
    Ok(())
}

/// A percentage (0–100) as an Excel percentage cell.
fn share_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    p: Option<f64>,
    styles: &Styles,
    w: &Words,
) -> Result<(), XlsxError> {
    match p {
        Some(p) => sheet.write_number_with_format(row, col, p / 100.0, &styles.percent)?,
        None => sheet.write_string(row, col, w.suppressed)?,
    };
    Ok(())
}

fn number_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    x: Option<f64>,
    styles: &Styles,
    w: &Words,
) -> Result<(), XlsxError> {
    match x {
        Some(x) if x.fract() == 0.0 => sheet.write_number(row, col, x)?,
        Some(x) => sheet.write_number_with_format(row, col, x, &styles.decimal)?,
        None => sheet.write_string(row, col, w.suppressed)?,
    };
    Ok(())
}

fn label<'a>(labels: &'a mamori_analysis::Ordered<String>, key: &'a str) -> &'a str {
    labels.get(key).map_or(key, String::as_str)
}
