//! `mamori participants check`: a participant list checked offline exactly as the survey
//! office's import page checks it, so that an office (or its script) can mend the file before
//! uploading it. Nothing is stored.

use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ParticipantsCommand {
    /// Check a participant list (.csv or .xlsx: company, license, email, language) against a
    /// questionnaire's licence classes; every problem is listed by row and column.
    Check(Check),
}

#[derive(Args)]
pub struct Check {
    /// The campaign's questionnaire (XLSForm).
    #[arg(long)]
    form: PathBuf,
    /// The question whose choices are the licence classes (the campaign's segment question).
    #[arg(long, default_value = "license_type")]
    segment: String,
    /// The participant list.
    file: PathBuf,
}

pub fn run(command: ParticipantsCommand) -> ExitCode {
    let ParticipantsCommand::Check(args) = command;
    let Some(form) = super::load_form(&args.form) else {
        return ExitCode::FAILURE;
    };
    let name = args.file.display().to_string();
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match mamori_web::check_participant_list(&form, &args.segment, &name, &bytes) {
        Ok(n) => {
            println!("{name}: {n} participant(s), ready to import");
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{name}: nothing would be imported; fix the problems above and check again");
            ExitCode::FAILURE
        }
    }
}
