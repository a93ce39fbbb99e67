pub mod database;
pub mod demo;
pub mod export;
pub mod feedback;
pub mod form;
pub mod hub;
pub mod hub_admin;
pub mod participants;
pub mod report;
pub mod serve;
pub mod trend;
pub mod user;

use mamori_form::Form;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Reads a questionnaire for a command that needs a usable one; prints its problems.
pub fn load_form(path: &Path) -> Option<Form> {
    let outcome = mamori_form::read_file(path);
    for d in &outcome.diagnostics {
        if d.is_error() {
            eprintln!("{d}");
        }
    }
    if outcome.has_errors() {
        eprintln!("{}: the questionnaire has errors; `mamori form check` lists them all", path.display());
        return None;
    }
    outcome.form
}

/// Reads and checks a responses file, printing every problem; `None` when nothing may be
/// produced from it.
pub fn load_responses(form: &Form, path: &Path, skip_invalid: bool) -> Option<mamori_dataset::Loaded> {
    load_responses_keeping(form, path, skip_invalid, Vec::new())
}

/// [`load_responses`], keeping only whether each answer was given for the text questions in
/// `presence_only` (by index).
pub fn load_responses_keeping(
    form: &Form,
    path: &Path,
    skip_invalid: bool,
    presence_only: Vec<usize>,
) -> Option<mamori_dataset::Loaded> {
    let options = mamori_dataset::ReadOptions {
        skip_invalid,
        language: "English (en)".into(),
        presence_only,
        ..Default::default()
    };
    load_responses_with(form, path, &options)
}

/// Reads and checks a responses file with `options`, reporting problems on standard error.
pub fn load_responses_with(
    form: &Form,
    path: &Path,
    options: &mamori_dataset::ReadOptions,
) -> Option<mamori_dataset::Loaded> {
    let name = path.display().to_string();
    match mamori_dataset::read_responses_file(form, path, options) {
        Ok(loaded) => {
            if loaded.skipped_rows > 0 {
                for e in &loaded.skipped {
                    eprintln!("{e}");
                }
                eprintln!("{name}: left out {} row(s) with invalid values (--skip-invalid)", loaded.skipped_rows);
            }
            Some(loaded)
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!(
                "{name}: {} problem(s); nothing was produced. Fix them, or pass --skip-invalid to leave those rows out",
                errors.len()
            );
            None
        }
    }
}

/// The form's language for `ja`, `en` or a language name as the form writes it.
pub fn form_language(form: &Form, wanted: &str) -> String {
    let w = wanted.to_lowercase();
    form.languages
        .iter()
        .find(|l| {
            let l = l.to_lowercase();
            l == w || l.contains(&format!("({w})")) || l.starts_with(&w)
        })
        .cloned()
        .unwrap_or_else(|| form.default_language.clone())
}

/// Writes to the file, or to standard output when none is given.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> ExitCode {
    let result = match path {
        Some(p) => std::fs::write(p, bytes).map_err(|e| format!("{}: error: cannot be written: {e}", p.display())),
        None => std::io::stdout().lock().write_all(bytes).map_err(|e| format!("error: standard output: {e}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// With `MAMORI_TIMINGS` set, prints how long each phase took to standard error (for
/// `BENCHMARKS.md`: where the time of a large report or trend goes).
pub struct Phases(Option<std::time::Instant>);

impl Phases {
    pub fn start() -> Self {
        Phases(std::env::var_os("MAMORI_TIMINGS").map(|_| std::time::Instant::now()))
    }

    pub fn done(&self, phase: &str) {
        if let Some(start) = self.0 {
            eprintln!("timing: {phase} done at {:.3} s", start.elapsed().as_secs_f64());
        }
    }
}
