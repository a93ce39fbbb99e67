//! Mamori's questionnaire engine: XLSForm files in, a checked questionnaire model out, the
//! expression language, and the answer checks every other part of Mamori asks.
//!
//! Pure: no HTTP, no SQL. The only I/O is [`read_file`], a convenience over [`read_bytes`].

pub mod answers;
pub mod bundle;
mod checks;
pub mod dates;
pub mod diagnostic;
pub mod diff;
pub mod expr;
pub mod fasthash;
mod headers;
pub mod isolated;
pub mod model;
pub mod range;
mod reader;
pub mod text;
mod types;
pub mod workbook;

pub use answers::{AnswerError, AnswerErrorKind, Answers, Checked, check_answers};
pub use diagnostic::{Diagnostic, Location, Severity};
pub use expr::{Env, Expression, Value};
pub use model::{Choice, Form, Group, GroupKind, Question, QuestionType, Required};
pub use reader::{ChoiceFiles, Outcome};

use std::path::Path;

/// Reads and checks the XLSForm in `bytes`; `file_name` picks the format by extension and
/// starts every diagnostic. A `.zip` holds the form with its choice files ([`bundle`]).
pub fn read_bytes(file_name: &str, bytes: &[u8]) -> Outcome {
    if file_name.to_ascii_lowercase().ends_with(".zip") {
        return bundle::read_zip(file_name, bytes);
    }
    read_bytes_with(file_name, bytes, &|name: &str| {
        Err(format!("the form needs the choice file '{name}', which was not given with it"))
    })
}

/// [`read_bytes`] with the form's choice files (`select_one_from_file`) found by `files`.
pub fn read_bytes_with(file_name: &str, bytes: &[u8], files: ChoiceFiles) -> Outcome {
    let Some(format) = workbook::Format::from_file_name(file_name) else {
        let location = Location { file: file_name.to_string(), ..Location::default() };
        let message =
            "is not an XLSForm file: use .xlsx, .xls, .csv or .md (or a .zip of the form with its choice files)";
        return Outcome { form: None, diagnostics: vec![Diagnostic::error(location, message)] };
    };
    match workbook::read_only(file_name, bytes, format, Some(workbook::XLSFORM_SHEETS)) {
        Ok(wb) => reader::read_workbook_with(&wb, files),
        Err(d) => Outcome { form: None, diagnostics: vec![d] },
    }
}

/// Reads and checks the XLSForm file at `path`.
pub fn read_file(path: &Path) -> Outcome {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) if name.to_ascii_lowercase().ends_with(".zip") => read_bytes(&name, &bytes),
        Ok(bytes) => read_bytes_with(&name, &bytes, &|file: &str| bundle::beside(path, file)),
        Err(e) => {
            let location = Location { file: name, ..Location::default() };
            Outcome { form: None, diagnostics: vec![Diagnostic::error(location, format!("cannot be read: {e}"))] }
        }
    }
}
