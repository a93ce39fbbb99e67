//! A questionnaire with its choice files (`select_one_from_file`): on the command line the
//! files beside the form; uploaded, a `.zip` holding the form (`.xlsx`, `.xls` or `.md`) and
//! its `.csv` choice files — stored as it came, so the choices are frozen with the form.
//! A bundle is read under bounds (entries, sizes), as an upload may be hostile.

use crate::diagnostic::{Diagnostic, Location};
use crate::reader::Outcome;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The largest form or choice file taken from a bundle or beside a form.
pub const FILE_LIMIT: u64 = 32 << 20;
/// The most a bundle may hold in all, and the most entries.
const BUNDLE_LIMIT: u64 = 64 << 20;
const MAX_ENTRIES: usize = 200;

fn refused(file: &str, message: impl Into<String>) -> Outcome {
    let location = Location { file: file.to_string(), ..Location::default() };
    Outcome { form: None, diagnostics: vec![Diagnostic::error(location, message)] }
}

/// Reads the form in the `.zip` `bytes` with the choice files beside it in the archive.
pub fn read_zip(file_name: &str, bytes: &[u8]) -> Outcome {
    let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            return refused(
                file_name,
                format!("is not a .zip that can be read ({e}); make it again with the form and its .csv choice files"),
            );
        }
    };
    if archive.len() > MAX_ENTRIES {
        return refused(
            file_name,
            format!(
                "holds {} files; a questionnaire's .zip holds the form and its choice files (at most {MAX_ENTRIES})",
                archive.len()
            ),
        );
    }
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => return refused(file_name, format!("has an entry that cannot be read ({e})")),
        };
        if entry.is_dir() {
            continue;
        }
        // Folders inside the archive do not matter (ODK keeps media in `form-media/`); names
        // are their last part. macOS's resource forks and hidden files are not the form's.
        let full = match entry.name() {
            Ok(name) => name.to_string(),
            Err(e) => return refused(file_name, format!("has an entry whose name cannot be read ({e})")),
        };
        let name = full.rsplit(['/', '\\']).next().unwrap_or("").to_string();
        if name.is_empty() || name.starts_with('.') || full.starts_with("__MACOSX") {
            continue;
        }
        let mut data = Vec::new();
        // The declared size may lie: read at most one byte past the limit.
        if let Err(e) = (&mut entry).take(FILE_LIMIT + 1).read_to_end(&mut data) {
            return refused(file_name, format!("'{full}' cannot be unpacked ({e})"));
        }
        if data.len() as u64 > FILE_LIMIT {
            return refused(
                file_name,
                format!(
                    "'{full}' is larger than {} MB unpacked; a form or choice file is far smaller",
                    FILE_LIMIT >> 20
                ),
            );
        }
        total += data.len() as u64;
        if total > BUNDLE_LIMIT {
            return refused(file_name, format!("unpacks to more than {} MB", BUNDLE_LIMIT >> 20));
        }
        if files.insert(name.clone(), data).is_some() {
            return refused(file_name, format!("holds two files named '{name}'; keep one"));
        }
    }
    // The form is the workbook or Markdown table (a CSV there is a choice file).
    use crate::workbook::Format;
    let forms: Vec<&String> =
        files.keys().filter(|n| matches!(Format::from_file_name(n), Some(Format::Excel | Format::Markdown))).collect();
    let form = match forms.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return refused(file_name, "holds no form: put the XLSForm (.xlsx) in the .zip with its .csv choice files");
        }
        many => {
            let names: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
            return refused(
                file_name,
                format!("holds more than one form ({}); keep one .xlsx with its .csv choice files", names.join(", ")),
            );
        }
    };
    let form_bytes = files.remove(&form).expect("listed above");
    let shown = format!("{file_name}/{form}");
    crate::read_bytes_with(&shown, &form_bytes, &|name: &str| {
        files.get(name).cloned().ok_or_else(|| format!("the .zip has no file '{name}'"))
    })
}

/// A choice file named by a form read from `form_path`: the file of that name in its folder.
pub fn beside(form_path: &Path, name: &str) -> Result<Vec<u8>, String> {
    let path = form_path.parent().unwrap_or(Path::new(".")).join(name);
    let file =
        std::fs::File::open(&path).map_err(|e| format!("the choice file {} cannot be read ({e})", path.display()))?;
    let mut data = Vec::new();
    file.take(FILE_LIMIT + 1)
        .read_to_end(&mut data)
        .map_err(|e| format!("the choice file {} cannot be read ({e})", path.display()))?;
    if data.len() as u64 > FILE_LIMIT {
        return Err(format!("the choice file {} is larger than {} MB", path.display(), FILE_LIMIT >> 20));
    }
    Ok(data)
}

fn extension(name: &str) -> String {
    Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// The form at `form_path` as Mamori stores a questionnaire: its own bytes and name when it
/// names no choice file, else a `.zip` of it with the choice files beside it (so the choices
/// are frozen with it). `form` is the form read from that path.
pub fn stored_form(form_path: &Path, form: &crate::Form) -> Result<(String, Vec<u8>), String> {
    let name = form_path.file_name().and_then(|n| n.to_str()).unwrap_or("form.xlsx").to_string();
    let bytes = std::fs::read(form_path).map_err(|e| format!("{}: {e}", form_path.display()))?;
    let mut files: Vec<&str> =
        form.questions.iter().filter_map(|q| q.list.as_deref()).filter(|list| extension(list) == "csv").collect();
    files.sort_unstable();
    files.dedup();
    if files.is_empty() || extension(&name) == "zip" {
        return Ok((name, bytes));
    }
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut add = |entry: &str, data: &[u8]| -> Result<(), String> {
        use std::io::Write;
        out.start_file(entry, options).map_err(|e| e.to_string())?;
        out.write_all(data).map_err(|e| e.to_string())
    };
    add(&name, &bytes)?;
    for file in files {
        // The form was read with its choice files: a list that is not beside it is a list of
        // the choices sheet that merely ends in .csv.
        if let Ok(data) = beside(form_path, file) {
            add(file, &data)?;
        }
    }
    let zipped = out.finish().map_err(|e| e.to_string())?.into_inner();
    let stem = Path::new(&name).file_stem().and_then(|s| s.to_str()).unwrap_or("form");
    Ok((format!("{stem}.zip"), zipped))
}
