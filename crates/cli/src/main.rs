//! `mamori`: one thin binary; each subcommand lives in its own module under `commands/`.

mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Mamori (守り): measure and raise the cybersecurity readiness of the medical device sector.
#[derive(Parser)]
#[command(name = "mamori", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with questionnaires written in Excel as XLSForm (.xlsx, .xls, .csv, .md).
    #[command(subcommand)]
    Form(commands::form::FormCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Form(command) => commands::form::run(command),
    }
}
