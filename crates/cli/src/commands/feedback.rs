//! `mamori feedback`: one respondent's scores against its peers and its gap plan.

use clap::{Args, ValueEnum};
use mamori_analysis::{FeedbackOptions, feedback};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct Feedback {
    /// The questionnaire (XLSForm) with `score` on choices, and `reference` and `guidance` on
    /// questions.
    #[arg(long)]
    form: PathBuf,
    /// All responses of the campaign (CSV or XLSX): the respondent and its peers.
    #[arg(long)]
    responses: PathBuf,
    /// The respondent: its position in the file (1 = the first response).
    #[arg(long, value_name = "N", required_unless_present = "id", conflicts_with = "id")]
    row: Option<usize>,
    /// The respondent, by the `_id` column.
    #[arg(long)]
    id: Option<String>,
    /// Compare within this select_one question's answers. Default: the form's first segment
    /// (licence class for the 2024 questionnaire).
    #[arg(long = "by", value_name = "QUESTION")]
    by: Option<String>,
    /// The fewest other responses a peer group needs before its figures are shown.
    #[arg(long, default_value_t = 10, value_name = "K", value_parser = clap::value_parser!(u64).range(3..))]
    min_peers: u64,
    /// Language: ja or en (or a language of the form).
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
    /// Scores, peer figures, items and the ordered gap plan.
    Json,
    /// One self-contained page for the respondent.
    Html,
    /// The same as the page, A4, Japanese font embedded.
    Pdf,
}

pub fn run(args: Feedback) -> ExitCode {
    let Some(form) = super::load_form(&args.form) else { return ExitCode::FAILURE };
    let Some(loaded) = super::load_responses(&form, &args.responses, false) else { return ExitCode::FAILURE };
    let responses = loaded.responses;
    let respondent = match (&args.row, &args.id) {
        (Some(n), _) if *n >= 1 && *n <= responses.len() => n - 1,
        (Some(n), _) => {
            eprintln!("error: --row {n}: the file has responses 1 to {}", responses.len());
            return ExitCode::FAILURE;
        }
        (None, Some(id)) => match responses.ids.as_ref().and_then(|ids| (0..ids.len()).find(|&i| ids.get(i) == id)) {
            Some(i) => i,
            None => {
                eprintln!("error: --id {id}: no response has that _id");
                return ExitCode::FAILURE;
            }
        },
        (None, None) => unreachable!("clap requires --row or --id"),
    };
    let options = FeedbackOptions {
        by: args.by.clone(),
        min_peers: args.min_peers,
        language: super::form_language(&form, &args.lang),
    };
    let result = match feedback(&form, &responses, respondent, &options) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bytes = match args.format {
        Format::Json => mamori_report::feedback_json(&result).into_bytes(),
        Format::Html => mamori_report::feedback_html(&result).into_bytes(),
        Format::Pdf => match mamori_report::feedback_pdf(&result) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    super::write_output(args.output.as_deref(), &bytes)
}
