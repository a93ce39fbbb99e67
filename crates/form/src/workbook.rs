//! Raw sheets of an XLSForm file, whatever its format.
//!
//! `.xlsx`/`.xls` (through calamine), pyxform's CSV layout and pyxform's Markdown tables all
//! become the same thing here: named sheets of trimmed text cells with the row number and column
//! letter the author sees. Nothing here knows what a question is.

use crate::dates;
use crate::diagnostic::{Diagnostic, Location, column_letter};
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    /// The file name as given by the user; every diagnostic starts with it.
    pub file: String,
    pub sheets: Vec<Sheet>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sheet {
    pub name: String,
    /// Rows that have at least one non-empty cell, the header row first.
    pub rows: Vec<Row>,
    /// How many columns precede the first cell of a row: 1 for CSV and Markdown, whose first
    /// column holds the sheet name, so column letters match the file opened in Excel.
    pub column_offset: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    /// 1-based row (Excel) or line (CSV, Markdown) number.
    pub number: usize,
    pub cells: Vec<String>,
}

impl Sheet {
    pub fn location(&self, file: &str, row: Option<usize>, column: Option<usize>) -> Location {
        Location {
            file: file.to_string(),
            sheet: Some(self.name.clone()),
            row,
            column: column.map(|c| column_letter(c + self.column_offset)),
        }
    }
}

impl Row {
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map(String::as_str).unwrap_or("")
    }
}

/// The file formats an XLSForm can come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Excel,
    Csv,
    Markdown,
}

impl Format {
    /// Chooses the format by file extension, as pyxform does.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
        match ext {
            "xlsx" | "xlsm" | "xls" => Some(Format::Excel),
            "csv" => Some(Format::Csv),
            "md" => Some(Format::Markdown),
            _ => None,
        }
    }
}

/// The sheets an XLSForm reader looks into (names trimmed and in lower case); a workbook's other
/// sheets are listed by name only.
pub const XLSFORM_SHEETS: &[&str] =
    &["survey", "choices", "settings", "report", "codebook", "external_choices", "entities", "osm"];

/// Reads the sheets of `bytes`, a file called `file` in `format`.
pub fn read(file: &str, bytes: &[u8], format: Format) -> Result<Workbook, Diagnostic> {
    read_only(file, bytes, format, None)
}

/// As [`read`]; of an Excel workbook, only the sheets named in `only` (trimmed, lower case) are
/// read, the others named with no rows — unless it has one sheet, which is always read.
pub fn read_only(file: &str, bytes: &[u8], format: Format, only: Option<&[&str]>) -> Result<Workbook, Diagnostic> {
    let sheets = match format {
        Format::Excel => read_excel(file, bytes, only)?,
        Format::Csv => read_csv(file, bytes)?,
        Format::Markdown => read_markdown(file, bytes)?,
    };
    Ok(Workbook { file: file.to_string(), sheets })
}

fn file_error(file: &str, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Location { file: file.to_string(), ..Location::default() }, message)
}

fn read_excel(file: &str, bytes: &[u8], only: Option<&[&str]>) -> Result<Vec<Sheet>, Diagnostic> {
    match crate::isolated::program() {
        Some(program) => crate::isolated::read_excel(program, bytes, only).map_err(|message| file_error(file, message)),
        None => read_excel_here(bytes, only).map_err(|message| file_error(file, message)),
    }
}

/// The most cells read from one workbook (a questionnaire has hundreds; responses beyond this
/// come as CSV, which is streamed): what a workbook reader hands back stays bounded, whatever
/// a file inflates to.
pub const MAX_CELLS: usize = 2_000_000;

/// Reads an Excel workbook in this process. calamine trusts the sizes and links inside a file,
/// so a hostile file can make it allocate without bound (and the process abort): programs that
/// read files from others call [`crate::isolated::read_excel_in_child_processes`] first.
pub fn read_excel_here(bytes: &[u8], only: Option<&[&str]>) -> Result<Vec<Sheet>, String> {
    use calamine::Reader;
    let mut total_cells = 0usize;
    // calamine parses untrusted binary formats; a damaged file must become an error for the
    // user, never a crash of the server that received the upload.
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<Vec<Sheet>, String> {
        let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
            .map_err(|e| format!("cannot be read as an Excel workbook ({e}); save it again from Excel as .xlsx"))?;
        let names = workbook.sheet_names().to_vec();
        let mut sheets = Vec::with_capacity(names.len());
        let alone = names.len() == 1; // pyxform reads a workbook's only sheet as the survey
        for name in names {
            let wanted = alone || only.is_none_or(|only| only.contains(&name.trim().to_lowercase().as_str()));
            if !wanted {
                // Named (the reader lists a workbook's sheets when `survey` is missing), not read.
                sheets.push(Sheet { name, rows: Vec::new(), column_offset: 0 });
                continue;
            }
            let range = workbook.worksheet_range(&name).map_err(|e| format!("sheet '{name}' cannot be read ({e})"))?;
            let (first_row, first_col) = range.start().unwrap_or((0, 0));
            let mut rows = Vec::new();
            for (i, cells) in range.rows().enumerate() {
                let mut values: Vec<String> =
                    std::iter::repeat_n(String::new(), first_col as usize).chain(cells.iter().map(cell_text)).collect();
                trim_trailing_empty(&mut values);
                total_cells += values.len();
                if total_cells > MAX_CELLS {
                    return Err(format!(
                        "has more than {MAX_CELLS} cells, more than Mamori reads from one workbook; \
                         a questionnaire is far smaller — for many responses, save them as CSV"
                    ));
                }
                if !values.is_empty() {
                    rows.push(Row { number: first_row as usize + i + 1, cells: values });
                }
            }
            sheets.push(Sheet { name, rows, column_offset: 0 });
        }
        Ok(sheets)
    }));
    match result {
        Ok(outcome) => outcome,
        Err(_) => {
            Err("is damaged: the Excel reader could not make sense of it; save it again from Excel as .xlsx".into())
        }
    }
}

fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => dates::excel_serial_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Excel stores every number as a float; a choice name typed as 2006 must stay "2006".
pub fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { f.to_string() }
}

fn trim_trailing_empty(values: &mut Vec<String>) {
    while values.last().is_some_and(|v| v.is_empty()) {
        values.pop();
    }
}

/// A plain table — the first sheet of an `.xlsx`, or a `.csv` in UTF-8 or Shift_JIS — as
/// numbered rows without empty ones, the header first: the shape of participant lists and
/// hospitals' device inventories. The error starts with the file name.
pub fn read_table(file: &str, bytes: &[u8]) -> Result<Vec<Row>, String> {
    let lower = file.to_lowercase();
    if lower.ends_with(".xlsx") || lower.ends_with(".xls") {
        let sheets = read_excel(file, bytes, None).map_err(|d| format!("{file}: {}", d.message))?;
        let sheet = sheets.into_iter().next().ok_or_else(|| format!("{file}: has no sheet"))?;
        return Ok(sheet.rows);
    }
    if !lower.ends_with(".csv") && !lower.ends_with(".txt") {
        return Err(format!("{file}: is not a table: use .csv or .xlsx"));
    }
    let text = decode_text(file, bytes).map_err(|d| format!("{file}: {}", d.message))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("{file}: row {}: {e}", i + 1))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(Row { number: i + 1, cells: record.iter().map(str::to_string).collect() });
    }
    Ok(rows)
}

/// Text of a CSV file: UTF-8 (with or without BOM), else Shift_JIS as Japanese Excel saves it.
fn decode_text(file: &str, bytes: &[u8]) -> Result<String, Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if had_errors {
        return Err(file_error(file, "is neither UTF-8 nor Shift_JIS text; save it as CSV UTF-8"));
    }
    Ok(text.into_owned())
}

/// A choice file of `select_one_from_file` as ODK reads it: a CSV whose header names its
/// columns (`name`, `label`, `label::Japanese (ja)`, …), as a choices sheet whose every row
/// belongs to the list named after the file. The sheet has no name, so that diagnostics read
/// `prefectures.csv:3:B`.
pub fn read_choice_file(file: &str, bytes: &[u8]) -> Result<Sheet, Diagnostic> {
    let text = decode_text(file, bytes)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let location = Location {
                file: file.to_string(),
                sheet: Some(String::new()),
                row: e.position().map(|p| p.line() as usize),
                column: None,
            };
            Diagnostic::error(location, format!("is not valid CSV: {e}"))
        })?;
        let number = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let mut cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        trim_trailing_empty(&mut cells);
        if cells.is_empty() {
            continue;
        }
        rows.push(Row { number, cells });
    }
    let Some(header) = rows.first_mut() else {
        return Err(file_error(file, "is empty: a choice file needs a header row (name, label) and a row per choice"));
    };
    // The list's name on every row, in a column after the file's own.
    let width = header.cells.len();
    header.cells.push("list_name".into());
    for row in rows.iter_mut().skip(1) {
        // Cells beyond the header's columns have no column to belong to (ODK ignores them).
        row.cells.resize(width, String::new());
        row.cells.push(file.to_string());
    }
    Ok(Sheet { name: String::new(), rows, column_offset: 0 })
}

/// pyxform's CSV layout: a row whose first cell is non-empty starts the sheet of that name; the
/// rows under it, first cell empty, are its header and data rows.
fn read_csv(file: &str, bytes: &[u8]) -> Result<Vec<Sheet>, Diagnostic> {
    let text = decode_text(file, bytes)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            let location = Location { file: file.to_string(), sheet: None, row: line, column: None };
            Diagnostic::error(location, format!("is not valid CSV: {e}"))
        })?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        lines.push((line, record.iter().map(|c| c.trim().to_string()).collect::<Vec<_>>()));
    }
    Ok(split_into_sheets(lines))
}

/// pyxform's Markdown tables: `| survey |` starts a sheet, `| | type | name |` are its rows.
fn read_markdown(file: &str, bytes: &[u8]) -> Result<Vec<Sheet>, Diagnostic> {
    let text = decode_text(file, bytes)?;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let Some(inner) = line.strip_prefix('|') else {
            continue;
        };
        let inner = inner.strip_suffix('|').unwrap_or(inner);
        let cells = split_pipes(inner);
        lines.push((i + 1, cells));
    }
    Ok(split_into_sheets(lines))
}

/// Splits a Markdown table row at unescaped pipes; `\|` is a literal pipe.
fn split_pipes(inner: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                current.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut current).trim().to_string()),
            _ => current.push(c),
        }
    }
    cells.push(current.trim().to_string());
    cells
}

fn split_into_sheets(lines: Vec<(usize, Vec<String>)>) -> Vec<Sheet> {
    let mut sheets: Vec<Sheet> = Vec::new();
    for (number, mut cells) in lines {
        trim_trailing_empty(&mut cells);
        let Some(first) = cells.first() else { continue };
        if !first.is_empty() {
            sheets.push(Sheet { name: first.clone(), rows: Vec::new(), column_offset: 1 });
            continue;
        }
        let values = cells[1..].to_vec();
        if values.is_empty() {
            continue;
        }
        // Rows before any sheet name have no sheet to belong to; pyxform drops them too.
        if let Some(sheet) = sheets.last_mut() {
            sheet.rows.push(Row { number, cells: values });
        }
    }
    sheets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_tables_become_sheets_with_line_numbers() {
        let md = "intro text\n| survey |\n| | type | name |\n| | text | a\\|b |\n| choices |\n";
        let wb = read("f.md", md.as_bytes(), Format::Markdown).unwrap();
        assert_eq!(wb.sheets.len(), 2);
        assert_eq!(wb.sheets[0].name, "survey");
        assert_eq!(wb.sheets[0].rows[1], Row { number: 4, cells: vec!["text".into(), "a|b".into()] });
        assert_eq!(wb.sheets[0].location("f.md", Some(4), Some(0)).column.as_deref(), Some("B"));
    }

    #[test]
    fn csv_in_shift_jis_is_decoded() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("survey,,\n,type,name\n,text,会社名\n");
        let wb = read("f.csv", &bytes, Format::Csv).unwrap();
        assert_eq!(wb.sheets[0].rows[1].cells, vec!["text", "会社名"]);
        assert_eq!(wb.sheets[0].rows[1].number, 3);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let err = read("f.xlsx", b"not a workbook", Format::Excel).unwrap_err();
        assert!(err.to_string().starts_with("f.xlsx: error:"), "{err}");
    }

    #[test]
    fn whole_floats_print_as_integers() {
        assert_eq!(number_text(2006.0), "2006");
        assert_eq!(number_text(0.5), "0.5");
    }
}
