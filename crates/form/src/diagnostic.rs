//! Located problems in a questionnaire file.
//!
//! Every problem names the file, sheet, row and column it comes from, so a survey office can
//! find the cell in Excel and fix it. The `Display` form is `FILE:SHEET:ROW:COLUMN: severity:
//! message`, the shape compilers use, so editors and CI logs can jump to it.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Where a problem is. Missing parts are left out of the displayed location.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Default)]
pub struct Location {
    pub file: String,
    pub sheet: Option<String>,
    /// 1-based row as the spreadsheet program shows it (for CSV and Markdown: the line).
    pub row: Option<usize>,
    /// Column letter as the spreadsheet program shows it (A, B, …, AA).
    pub column: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    #[serde(flatten)]
    pub location: Location,
    pub message: String,
}

impl Diagnostic {
    pub fn error(location: Location, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, location, message: message.into() }
    }

    pub fn warning(location: Location, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, location, message: message.into() }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(sheet) = &self.sheet {
            // A file of one table (a choice file) has rows but no sheet name.
            if !sheet.is_empty() {
                write!(f, ":{sheet}")?;
            }
            if let Some(row) = self.row {
                write!(f, ":{row}")?;
                if let Some(column) = &self.column {
                    write!(f, ":{column}")?;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {severity}: {}", self.location, self.message)
    }
}

/// Spreadsheet column letter for a 0-based column index: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_spreadsheet_convention() {
        for (index, letter) in [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")] {
            assert_eq!(column_letter(index), letter);
        }
    }

    #[test]
    fn display_leaves_out_missing_parts() {
        let full =
            Location { file: "f.xlsx".into(), sheet: Some("survey".into()), row: Some(3), column: Some("B".into()) };
        assert_eq!(Diagnostic::error(full, "bad").to_string(), "f.xlsx:survey:3:B: error: bad");
        let file_only = Location { file: "f.xlsx".into(), ..Location::default() };
        assert_eq!(Diagnostic::warning(file_only, "odd").to_string(), "f.xlsx: warning: odd");
    }
}
