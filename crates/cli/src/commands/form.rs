//! `mamori form check` and `mamori form show`.

use clap::{Subcommand, ValueEnum};
use mamori_form::{Outcome, read_file};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum FormCommand {
    /// Check questionnaires and list every problem as FILE:SHEET:ROW:COLUMN: message.
    ///
    /// Exits 0 when every file is usable (warnings, such as a missing translation, are printed
    /// but do not fail), 1 when any file has errors.
    Check {
        /// XLSForm files: .xlsx, .xls, .csv (pyxform layout) or .md (pyxform's Markdown tables).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the questionnaire as Mamori understands it: settings, languages, and every
    /// question in form order with its type, group path, labels, choices and conditions.
    Show {
        /// The XLSForm file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Json)]
        format: ShowFormat,
    },
    /// Compare two versions of a questionnaire for waves: which item of NEW continues which
    /// item of OLD (the same name, or NEW's `previous_name`), how choices map (the same name,
    /// or the `previous` codes on NEW's choices sheet), what changed, what is new, what was
    /// dropped. Exits 1, every problem located, when a mapping cannot hold.
    Diff {
        /// The previous version.
        old: PathBuf,
        /// The new version, whose `previous_name` and `previous` columns state the mapping.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    /// One line per item, for people.
    Text,
    /// `mapped`, `added`, `dropped`, `errors`.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ShowFormat {
    /// The parsed model as JSON (the machine-readable form other tools read).
    Json,
}

pub fn run(command: FormCommand) -> ExitCode {
    match command {
        FormCommand::Check { files } => check(&files),
        FormCommand::Show { file, format: ShowFormat::Json } => show(&file),
        FormCommand::Diff { old, new, format } => diff(&old, &new, format),
    }
}

fn diff(old_path: &Path, new_path: &Path, format: DiffFormat) -> ExitCode {
    let (Some(old), Some(new)) = (super::load_form(old_path), super::load_form(new_path)) else {
        return ExitCode::FAILURE;
    };
    let d = mamori_form::diff::diff(&old, &new, &new_path.display().to_string());
    for e in &d.errors {
        eprintln!("{e}");
    }
    match format {
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&d).expect("the diff serialises")),
        DiffFormat::Text => {
            for m in &d.mapped {
                let name = if m.name == m.previous_name {
                    m.name.clone()
                } else {
                    format!("{} (was {})", m.name, m.previous_name)
                };
                let mark = if !m.comparable {
                    "≠"
                } else if m.changes.is_empty() {
                    "="
                } else {
                    "~"
                };
                let changes = if m.changes.is_empty() { String::new() } else { format!(": {}", m.changes.join("; ")) };
                let note = m.note.as_deref().map(|n| format!(" [{n}]")).unwrap_or_default();
                println!("{mark} {name}{changes}{note}");
            }
            for a in &d.added {
                println!("+ {a} (new)");
            }
            for o in &d.dropped {
                println!("- {o} (dropped)");
            }
        }
    }
    if d.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("{}: {} mapping(s) cannot hold; fix them and compare again", new_path.display(), d.errors.len());
        ExitCode::FAILURE
    }
}

fn print_diagnostics(outcome: &Outcome) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for d in &outcome.diagnostics {
        let _ = writeln!(err, "{d}");
    }
}

fn check(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for file in files {
        let outcome = read_file(file);
        print_diagnostics(&outcome);
        let errors = outcome.diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = outcome.diagnostics.len() - errors;
        match (&outcome.form, errors) {
            (Some(form), 0) => println!(
                "{}: ok: form '{}' version '{}', {} questions in {} groups, languages {}; {warnings} warning(s)",
                file.display(),
                form.form_id,
                form.version,
                form.questions.len(),
                form.groups.len(),
                if form.languages.is_empty() { "-".to_string() } else { form.languages.join(", ") },
            ),
            _ => {
                failed = true;
                eprintln!(
                    "{}: {errors} error(s), {warnings} warning(s): fix the errors above and check again",
                    file.display()
                );
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn show(file: &Path) -> ExitCode {
    let outcome = read_file(file);
    print_diagnostics(&outcome);
    match (&outcome.form, outcome.has_errors()) {
        (Some(form), false) => {
            let json = serde_json::to_string_pretty(form).expect("the model serialises");
            println!("{json}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{}: not shown because of the errors above", file.display());
            ExitCode::FAILURE
        }
    }
}
