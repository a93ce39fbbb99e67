//! The trend as an Excel workbook: a summary sheet (findings, what could not be compared), a
//! tidy sheet with one row per item × group × choice (numbers as numbers, withheld cells as —)
//! and one for numbers and the score.

use super::words;
use mamori_analysis::trend::{ItemTrend, NumberTrend, Trend};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet, XlsxError};

pub fn render(t: &Trend) -> Result<Vec<u8>, String> {
    write(t).map_err(|e| format!("the workbook could not be written: {e}"))
}

fn write(t: &Trend) -> Result<Vec<u8>, XlsxError> {
    let w = words::for_language(&t.labels.lang);
    let ja = t.labels.lang != "en";
    let say = |j: &'static str, e: &'static str| if ja { j } else { e };
    let head = Format::new().set_bold().set_background_color("#EEF3F8").set_border_bottom(FormatBorder::Thin);
    let percent = Format::new().set_num_format("0.0");
    let small = Format::new().set_num_format("0.0000");
    let v = super::view(t);
    let mut book = Workbook::new();

    let sheet = book.add_worksheet().set_name(say("概要", "Summary"))?;
    sheet.write_string_with_format(0, 0, &v.title, &Format::new().set_bold().set_font_size(14))?;
    sheet.write_string(1, 0, format!("{}: {}", w.panel_n, v.panel_n))?;
    sheet.write_string(2, 0, v.note)?;
    let mut row = 4;
    for (title, lines) in [
        (w.findings, &v.findings),
        (w.not_comparable, &v.not_comparable),
        (w.only_previous, &v.only_previous),
        (w.only_current, &v.only_current),
        (w.withheld_items, &v.withheld),
    ] {
        if lines.is_empty() && title != w.findings {
            continue;
        }
        sheet.write_string_with_format(row, 0, title, &head)?;
        row += 1;
        for line in lines {
            sheet.write_string(row, 0, line)?;
            row += 1;
        }
        row += 1;
    }
    sheet.set_column_width(0, 110)?;

    let sheet = book.add_worksheet().set_name(say("選択肢別の推移", "Choices"))?;
    let titles = [
        say("設問", "Question"),
        say("項目名", "Name"),
        say("前回の項目名", "Previous name"),
        say("区分の設問", "Group question"),
        w.segment,
        w.choice,
        say("前回n", "Previous n"),
        say("前回件数", "Previous count"),
        say("前回%", "Previous %"),
        say("今回n", "Current n"),
        say("今回件数", "Current count"),
        say("今回%", "Current %"),
        say("変化（ポイント）", "Change (points)"),
        say("95%下限", "95% low"),
        say("95%上限", "95% high"),
        say("検定", "Test"),
        say("統計量", "Statistic"),
        "p",
        "p (Holm)",
        say("パネルn", "Panel n"),
        say("パネル検定", "Panel test"),
        say("パネルp", "Panel p"),
        w.improved,
        w.unchanged,
        w.worse,
    ];
    for (c, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &head)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut row = 1u32;
    let cells = Cells { percent: &percent, small: &small, dash: w.withheld };
    for item in t.indicators.iter().chain(&t.items) {
        let (question, label) = match (t.labels.indicators.get(&item.name), item.name.split_once('/')) {
            (Some(indicator), _) => (item.name.as_str(), indicator.clone()),
            (None, Some((q, choice))) => (q, format!("{} — {}", t.labels.question(q), t.labels.choice(q, choice))),
            (None, None) => (item.name.as_str(), t.labels.question(&item.name).to_string()),
        };
        let mut groups: Vec<(String, String, &ItemTrend)> = vec![(String::new(), w.overall.to_string(), item)];
        for (q, values) in &item.by {
            for (value, s) in values {
                groups.push((t.labels.question(q).to_string(), t.labels.choice(q, value).to_string(), s));
            }
        }
        for (group_question, group, figures) in groups {
            let codes: Vec<String> =
                figures.waves.previous.counts.keys().chain(&figures.waves.previous.withheld).cloned().collect();
            let mut codes = codes;
            codes.sort();
            for code in &codes {
                let choice =
                    if item.name.contains('/') { code.clone() } else { t.labels.choice(question, code).to_string() };
                let texts = [
                    label.as_str(),
                    item.name.as_str(),
                    item.previous_name.as_str(),
                    group_question.as_str(),
                    group.as_str(),
                    choice.as_str(),
                ];
                for (c, text) in texts.iter().enumerate() {
                    sheet.write_string(row, c as u16, *text)?;
                }
                let (p, n) = (&figures.waves.previous, &figures.waves.current);
                cells.count(sheet, row, 6, Some(p.n))?;
                cells.count(sheet, row, 7, p.counts.get(code).copied())?;
                cells.number(sheet, row, 8, p.percent.get(code).copied(), false)?;
                cells.count(sheet, row, 9, Some(n.n))?;
                cells.count(sheet, row, 10, n.counts.get(code).copied())?;
                cells.number(sheet, row, 11, n.percent.get(code).copied(), false)?;
                let change = figures.change.get(code);
                cells.number(sheet, row, 12, change.map(|c| c.points), false)?;
                cells.number(sheet, row, 13, change.map(|c| c.ci95[0]), false)?;
                cells.number(sheet, row, 14, change.map(|c| c.ci95[1]), false)?;
                if let Some(test) = &figures.test {
                    sheet.write_string(row, 15, &test.method)?;
                    cells.number(sheet, row, 16, Some(test.statistic), true)?;
                    cells.number(sheet, row, 17, Some(test.p), true)?;
                    cells.number(sheet, row, 18, Some(test.p_holm), true)?;
                }
                if let Some(panel) = &figures.panel {
                    cells.count(sheet, row, 19, Some(panel.n))?;
                    sheet.write_string(row, 20, &panel.method)?;
                    cells.number(sheet, row, 21, Some(panel.p), true)?;
                    cells.count(sheet, row, 22, panel.improved)?;
                    cells.count(sheet, row, 23, panel.unchanged)?;
                    cells.count(sheet, row, 24, panel.worse)?;
                }
                row += 1;
            }
        }
    }
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(5, 22)?;
    sheet.autofilter(0, 0, row.saturating_sub(1).max(1), titles.len() as u16 - 1)?;

    let sheet = book.add_worksheet().set_name(say("数値とスコア", "Numbers"))?;
    let titles = [
        w.item,
        say("前回n", "Previous n"),
        say("前回平均", "Previous mean"),
        say("前回中央値", "Previous median"),
        say("今回n", "Current n"),
        say("今回平均", "Current mean"),
        say("今回中央値", "Current median"),
        w.change_mean,
        "p (Holm)",
        say("パネルn", "Panel n"),
        say("パネルp", "Panel p"),
        w.improved,
        w.unchanged,
        w.worse,
    ];
    for (c, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &head)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let overall: Vec<(String, &NumberTrend)> = t
        .numbers
        .iter()
        .map(|n| (t.labels.question(&n.name).to_string(), n))
        .chain(t.ratios.iter().map(|r| {
            let label = t.labels.indicators.get(&r.name).cloned().unwrap_or_else(|| r.name.clone());
            (format!("{label} ({})", say("組織ごとの比", "each organisation's ratio")), &r.per_organisation)
        }))
        .chain(t.score.iter().map(|s| (w.score.to_string(), s)))
        .collect();
    // Each followed by its segments' rows.
    let mut numbers: Vec<(String, &NumberTrend)> = Vec::new();
    for (label, n) in overall {
        numbers.push((label.clone(), n));
        for (q, values) in &n.by {
            for (value, s) in values {
                numbers.push((format!("{label} — {}: {}", t.labels.question(q), t.labels.choice(q, value)), s));
            }
        }
    }
    for (r, (label, n)) in numbers.iter().enumerate() {
        let row = r as u32 + 1;
        sheet.write_string(row, 0, label)?;
        for (c, s) in [(1, &n.waves.previous), (4, &n.waves.current)] {
            cells.count(sheet, row, c, Some(s.n))?;
            cells.number(sheet, row, c + 1, s.mean.is_finite().then_some(s.mean), true)?;
            cells.number(sheet, row, c + 2, s.median.is_finite().then_some(s.median), true)?;
        }
        cells.number(sheet, row, 7, n.change_mean.is_finite().then_some(n.change_mean), true)?;
        cells.number(sheet, row, 8, n.test.as_ref().map(|t| t.p_holm), true)?;
        if let Some(p) = &n.panel {
            cells.count(sheet, row, 9, Some(p.n))?;
            cells.number(sheet, row, 10, Some(p.p), true)?;
            cells.count(sheet, row, 11, p.improved)?;
            cells.count(sheet, row, 12, p.unchanged)?;
            cells.count(sheet, row, 13, p.worse)?;
        }
    }
    sheet.set_column_width(0, 40)?;
    book.save_to_buffer()
}

struct Cells<'a> {
    percent: &'a Format,
    small: &'a Format,
    dash: &'a str,
}

impl Cells<'_> {
    fn count(&self, sheet: &mut Worksheet, row: u32, col: u16, n: Option<u64>) -> Result<(), XlsxError> {
        match n {
            Some(n) => sheet.write_number(row, col, n as f64)?,
            None => sheet.write_string(row, col, self.dash)?,
        };
        Ok(())
    }

    fn number(&self, sheet: &mut Worksheet, row: u32, col: u16, x: Option<f64>, fine: bool) -> Result<(), XlsxError> {
        match x {
            Some(x) if x.is_finite() => {
                sheet.write_number_with_format(row, col, x, if fine { self.small } else { self.percent })?
            }
            _ => sheet.write_string(row, col, self.dash)?,
        };
        Ok(())
    }
}
