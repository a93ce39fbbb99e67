//! `mamori trend`: this wave against the previous one, item by item (issue 14; JSON so far).

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
    /// Language of the findings in words: ja or en.
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
}

pub fn run(args: Trend) -> ExitCode {
    let (Some(new_form), Some(old_form)) = (super::load_form(&args.form), super::load_form(&args.previous_form)) else {
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
    let Some(new) = super::load_responses_keeping(&new_form, &args.responses, false, texts(&new_form)) else {
        return ExitCode::FAILURE;
    };
    let Some(old) = super::load_responses_keeping(&old_form, &args.previous_responses, false, texts(&old_form)) else {
        return ExitCode::FAILURE;
    };
    let by = if args.by.is_empty() { mamori_analysis::trend::default_segments(&new_form) } else { args.by.clone() };
    let mut t = trend(
        &Wave { form: &old_form, responses: &old.responses },
        &Wave { form: &new_form, responses: &new.responses },
        &d,
        &by,
        10_000,
    );
    let language = super::form_language(&new_form, &args.lang);
    t.findings = mamori_analysis::trend::in_words(&t, &new_form, &language, args.lang != "en");
    let mut bytes = serde_json::to_vec_pretty(&t).expect("the trend serialises");
    bytes.push(b'\n');
    match args.format {
        Format::Json => super::write_output(args.output.as_deref(), &bytes),
    }
}
