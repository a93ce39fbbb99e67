//! `mamori demo-data`: synthetic responses for a form, driven by target shares.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct DemoData {
    /// The questionnaire (XLSForm).
    #[arg(long)]
    form: PathBuf,
    /// Target shares (CSV: question, segment, choice, share, min, max, of, values). Defaults to
    /// FORM's name with `.demo-targets.csv` in place of its extension, when that file exists;
    /// without targets every choice is equally likely.
    #[arg(long)]
    targets: Option<PathBuf>,
    /// How many responses.
    #[arg(long, default_value_t = 441)]
    n: usize,
    /// Random seed: the same seed gives the same responses.
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// Where to write the CSV; standard output when left out.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

pub fn run(args: DemoData) -> ExitCode {
    let Some(form) = super::load_form(&args.form) else { return ExitCode::FAILURE };
    let targets_path = args.targets.clone().or_else(|| {
        let default = args.form.with_extension("demo-targets.csv");
        default.exists().then_some(default)
    });
    let (name, text) = match &targets_path {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => (path.display().to_string(), text),
            Err(e) => {
                eprintln!("{}: error: cannot be read: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
        None => ("(no targets)".to_string(), "question\n".to_string()),
    };
    match mamori_dataset::generate_demo_responses(&form, &name, &text, args.n, args.seed) {
        Ok(csv) => super::write_output(args.output.as_deref(), csv.as_bytes()),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
