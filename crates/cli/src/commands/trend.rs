//! `mamori trend`: this wave against the previous one, item by item (issue 14), as JSON, an
//! HTML page, a workbook or a PDF.

use clap::{Args, ValueEnum};
use mamori_analysis::trend::{Wave, trend};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct Trend {
    /// The current questionnaire (XLSForm), whose `previous_name` and `previous` columns map
    /// it to the previous version (see `mamori form diff`).
    #[arg(long)]
    form: PathBuf,
    /// The current wave's responses (CSV or XLSX, with `_id` for the panel).
    #[arg(long)]
    responses: PathBuf,
    /// The previous questionnaire.
    #[arg(long)]
    previous_form: PathBuf,
    /// The previous wave's responses.
    #[arg(long)]
    previous_responses: PathBuf,
    /// Break the comparison down by this select_one question (repeatable). Default: the
    /// `segment` rows of the form's report sheet.
    #[arg(long = "by", value_name = "QUESTION")]
    by: Vec<String>,
    /// The column that identifies an organisation in both files, to match the panel (e.g. a
    /// corporate-number column); default `_id`. Read as the id only, not as an answer.
    #[arg(long, value_name = "COLUMN")]
    id_column: Option<String>,
    /// Publish: withhold small counts in either wave, small groups, and changes of a few
    /// organisations (see ARCHITECTURE.md, "Trend").
    #[arg(long)]
    publish: bool,
    /// The smallest count shown when publishing.
    #[arg(long, default_value_t = 5, value_name = "K", value_parser = clap::value_parser!(u64).range(3..))]
    min_cell: u64,
    /// Language of the document and the findings in words: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Where to write; standard output when left out.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// Per item: both waves' counts and shares, the change with its interval, the test of
    /// change on the independent parts, the panel's paired test.
    Json,
    /// One self-contained page: a dumbbell chart per item, tables, tests, no JavaScript.
    Html,
    /// A workbook: one row per item, group and choice.
    Xlsx,
    /// The HTML page's content as an A4 PDF with the Japanese font embedded.
    Pdf,
}

pub fn run(args: Trend) -> ExitCode {
    let phases = super::Phases::start();
    // Both questionnaires at once (each is a few milliseconds on one core).
    let (new_form, old_form) = std::thread::scope(|s| {
        let previous = s.spawn(|| super::load_form(&args.previous_form));
        (super::load_form(&args.form), previous.join().expect("reading the previous questionnaire panicked"))
    });
    let (Some(new_form), Some(old_form)) = (new_form, old_form) else {
        return ExitCode::FAILURE;
    };
    let d = mamori_form::diff::diff(&old_form, &new_form, &args.form.display().to_string());
    if !d.errors.is_empty() {
        for e in &d.errors {
            eprintln!("{e}");
        }
        eprintln!(
            "{}: the mapping to the previous version cannot hold; `mamori form diff` lists it",
            args.form.display()
        );
        return ExitCode::FAILURE;
    }
    // The trend compares choices and numbers: text answers are checked but not kept.
    let texts = |f: &mamori_form::Form| {
        (0..f.questions.len()).filter(|&q| f.questions[q].kind == mamori_form::QuestionType::Text).collect::<Vec<_>>()
    };
    let load = |form: &mamori_form::Form, path: &std::path::Path| {
        let options = mamori_dataset::ReadOptions {
            language: "English (en)".into(),
            presence_only: texts(form),
            id_column: args.id_column.clone(),
            ..Default::default()
        };
        super::load_responses_with(form, path, &options)
    };
    // The two files are read at the same time: one reading thread each keeps the checking
    // threads of both busy where one file alone leaves cores waiting on its reader.
    let (new, old) = std::thread::scope(|s| {
        let previous = s.spawn(|| load(&old_form, &args.previous_responses));
        let new = load(&new_form, &args.responses);
        (new, previous.join().expect("reading the previous wave panicked"))
    });
    let (Some(new), Some(old)) = (new, old) else {
        return ExitCode::FAILURE;
    };
    phases.done("both waves read and checked");
    // The panel pairs one row per organisation in each wave.
    for (path, loaded) in [(&args.previous_responses, &old), (&args.responses, &new)] {
        let column = args.id_column.as_deref().unwrap_or("_id");
        if loaded.responses.ids.is_none() {
            if args.id_column.is_some() {
                eprintln!("{}: no column '{column}' (--id-column); add it or leave the option out", path.display());
                return ExitCode::FAILURE;
            }
            eprintln!(
                "{}: no _id column: no organisation is matched between the waves, which are compared as independent samples",
                path.display()
            );
        }
    }
    let by = if args.by.is_empty() { mamori_analysis::trend::default_segments(&new_form) } else { args.by.clone() };
    let t = trend(
        &Wave { form: &old_form, responses: &old.responses },
        &Wave { form: &new_form, responses: &new.responses },
        &d,
        &by,
        10_000,
    );
    let mut t = match t {
        Ok(t) => t,
        Err(e) => {
            let (path, wave) = if e.previous_wave { (&args.previous_responses, &old) } else { (&args.responses, &new) };
            // Rows as the file numbers them (the header is row 1, blank lines count).
            let row = |i: usize| wave.responses.rows.get(i).copied().unwrap_or(i + 2);
            eprintln!(
                "{}: rows {} and {} have the same {} '{}'; the waves are matched by it, so each organisation needs one row",
                path.display(),
                row(e.rows.0),
                row(e.rows.1),
                args.id_column.as_deref().unwrap_or("_id"),
                e.id
            );
            return ExitCode::FAILURE;
        }
    };
    phases.done("trend");
    mamori_analysis::trend::publish(
        &mut t,
        mamori_analysis::disclosure::Rules { publish: args.publish, min_cell: args.min_cell },
    );
    let language = super::form_language(&new_form, &args.lang);
    let japanese = args.lang != "en";
    t.findings = mamori_analysis::trend::in_words(&t, &new_form, &language, japanese);
    t.labels = mamori_analysis::trend::labels(&new_form, &language, japanese);
    let bytes = match args.format {
        Format::Json => {
            let mut bytes = serde_json::to_vec_pretty(&t).expect("the trend serialises");
            bytes.push(b'\n');
            bytes
        }
        Format::Html => mamori_report::trend::html(&t, &Default::default()).into_bytes(),
        Format::Xlsx | Format::Pdf => {
            let made = if matches!(args.format, Format::Xlsx) {
                mamori_report::trend::xlsx(&t)
            } else {
                mamori_report::trend::pdf(&t)
            };
            match made {
                Ok(bytes) => bytes,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    phases.done("output made");
    let status = super::write_output(args.output.as_deref(), &bytes);
    // As in `mamori report`: the process ends here, and the system takes back two waves'
    // columns at once, quicker than freeing them piece by piece.
    std::mem::forget((new, old));
    status
}
