//! `mamori report`: result tables, tests and findings from a form and its responses.

use clap::{Args, ValueEnum};
use mamori_analysis::{ManualCode, Options, analyse};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct Report {
    /// The questionnaire (XLSForm).
    #[arg(long)]
    form: PathBuf,
    /// The responses: CSV (UTF-8 or Shift_JIS; one row per response, one column per question)
    /// or XLSX.
    #[arg(long)]
    responses: PathBuf,
    /// Break results down by this select_one question (repeatable). Default: the `segment`
    /// rows of the form's `report` sheet.
    #[arg(long = "by", value_name = "QUESTION")]
    by: Vec<String>,
    /// Publish: withhold counts below --min-cell, segments with fewer respondents, and extreme
    /// values, in every output.
    #[arg(long)]
    publish: bool,
    /// The smallest count shown when publishing.
    #[arg(long, default_value_t = 5, value_name = "K", value_parser = clap::value_parser!(u64).range(3..))]
    min_cell: u64,
    /// Drop rows with invalid values (and list them) instead of refusing the file.
    #[arg(long)]
    skip_invalid: bool,
    /// Manual codes for free text (CSV: _id, question, categories separated by spaces);
    /// they override the codebook's keywords for those answers.
    #[arg(long, value_name = "FILE")]
    codes: Option<PathBuf>,
    /// Language of labels and findings: ja or en (or a language of the form).
    #[arg(long, default_value = "ja")]
    lang: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Where to write; standard output when left out.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// Machine-readable: every table, test, indicator and finding.
    Json,
    /// One self-contained page with charts, print-ready on A4.
    Html,
    /// An Excel workbook: one sheet per section, numbers as numbers.
    Xlsx,
    /// The same content as the HTML page, A4, Japanese font embedded.
    Pdf,
}

pub fn run(args: Report) -> ExitCode {
    let phases = super::Phases::start();
    let Some(form) = super::load_form(&args.form) else { return ExitCode::FAILURE };
    phases.done("questionnaire");
    let language = super::form_language(&form, &args.lang);
    // A report counts the answers to text questions and codes those the codebook covers; the
    // others' texts (company names, say) are checked but not kept.
    let presence_only = (0..form.questions.len())
        .filter(|&q| {
            matches!(form.questions[q].kind, mamori_form::QuestionType::Text | mamori_form::QuestionType::File)
        })
        .filter(|&q| !form.codebook.iter().any(|r| r.question == form.questions[q].name))
        .collect();
    let Some(loaded) = super::load_responses_keeping(&form, &args.responses, args.skip_invalid, presence_only) else {
        return ExitCode::FAILURE;
    };
    phases.done("responses read and checked");
    let mut options = Options::for_form(&form);
    options.by = args.by.clone();
    options.publish = args.publish;
    options.min_cell = args.min_cell;
    options.language = language;
    if let Some(path) = &args.codes {
        match manual_codes(path, &loaded.responses) {
            Ok(codes) => options.manual_codes = codes,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let analysis = match analyse(&form, &loaded.responses, &options) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    phases.done("analysis");
    let bytes = match args.format {
        Format::Json => mamori_report::json(&analysis).into_bytes(),
        Format::Html => mamori_report::html(&analysis).into_bytes(),
        Format::Pdf => match mamori_report::pdf(&analysis) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        Format::Xlsx => match mamori_report::xlsx(&analysis) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    phases.done("output made");
    let status = super::write_output(args.output.as_deref(), &bytes);
    phases.done("output written");
    // The process ends here: the system takes back a million responses' columns at once,
    // quicker than freeing them piece by piece.
    std::mem::forget(loaded);
    status
}

/// Reads manual codes: `_id` (or `_row`, the response's row in the file), `question`,
/// `categories`.
fn manual_codes(path: &std::path::Path, responses: &mamori_dataset::Responses) -> Result<Vec<ManualCode>, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: error: cannot be read: {e}"))?;
    let mut reader = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> =
        reader.headers().map_err(|e| format!("{name}: {e}"))?.iter().map(str::to_string).collect();
    let col = |h: &str| headers.iter().position(|x| x == h);
    let (Some(question), Some(categories)) = (col("question"), col("categories")) else {
        return Err(format!("{name}:1: the header must have question and categories, and _id or _row"));
    };
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| format!("{name}:{row}: {e}"))?;
        let response = if let Some(c) = col("_id") {
            let id = record.get(c).unwrap_or("");
            let ids = responses
                .ids
                .as_ref()
                .ok_or_else(|| format!("{name}:{row}:_id: the responses file has no _id column; use _row"))?;
            (0..ids.len())
                .find(|&k| ids.get(k) == id)
                .ok_or_else(|| format!("{name}:{row}:_id: no response has _id '{id}'"))?
        } else if let Some(c) = col("_row") {
            let wanted: usize =
                record.get(c).unwrap_or("").parse().map_err(|_| format!("{name}:{row}:_row: not a row number"))?;
            responses
                .rows
                .iter()
                .position(|&r| r == wanted)
                .ok_or_else(|| format!("{name}:{row}:_row: no response on row {wanted}"))?
        } else {
            return Err(format!("{name}:1: the header needs _id or _row"));
        };
        out.push(ManualCode {
            response,
            question: record.get(question).unwrap_or("").to_string(),
            categories: record.get(categories).unwrap_or("").split_whitespace().map(str::to_string).collect(),
        });
    }
    Ok(out)
}
