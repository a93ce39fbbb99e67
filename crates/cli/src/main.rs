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
    /// Result tables overall and by segment, tests, indicators, lagging groups and findings,
    /// from a questionnaire and its responses, as JSON, HTML, XLSX or PDF.
    Report(commands::report::Report),
    /// One respondent's readiness scores against its peers, and the gaps to close first with
    /// the clauses that ask for them, as JSON, HTML or PDF.
    Feedback(commands::feedback::Feedback),
    /// The responses for SPSS (.sav, .zsav, syntax), Stata (.dta) or R (CSV and script), with
    /// every variable label, value label and missing code, and a codebook.
    Export(commands::export::Export),
    /// This wave against the previous one, item by item: counts and shares of both waves, the
    /// change with Newcombe's interval, a test of change, and the panel of organisations that
    /// answered both (first part of survey waves; JSON).
    Trend(commands::trend::Trend),
    /// The device security hub's engine, offline: check advisories and SBOMs, scan an SBOM,
    /// match a hospital's device inventory against advisories.
    #[command(subcommand)]
    Hub(commands::hub::HubCommand),
    /// Run the web application: the survey office's pages (/admin), respondents' pages by
    /// personal link, self-registration, mail.
    Serve(commands::serve::Serve),
    /// Add a user of the survey office's pages (the password is read from standard input).
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// Check a participant list offline, as the import page would.
    #[command(subcommand)]
    Participants(commands::participants::ParticipantsCommand),
    /// Synthetic responses for a questionnaire, driven by target shares (demo and test data).
    DemoData(commands::demo::DemoData),
    /// A consistent copy of a database (SQLite or PostgreSQL) as a file, also while it serves.
    Backup(commands::database::Backup),
    /// Restore a backup into a new, empty database (SQLite or PostgreSQL): all or nothing.
    Restore(commands::database::Restore),
    /// Copy a database into a new, empty one, e.g. from SQLite to PostgreSQL when the survey
    /// office outgrows one machine.
    MigrateDb(commands::database::MigrateDb),
    /// Internal: reads one Excel workbook from standard input under memory and time limits
    /// (the other commands run it as a child process for every workbook they read).
    #[command(hide = true)]
    ReadWorkbook {
        /// Read only these sheets (comma-separated, lower case); name the others.
        #[arg(long)]
        only: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::ReadWorkbook { .. }) {
        return ExitCode::from(mamori_form::isolated::child_main() as u8);
    }
    // Every Excel workbook this process reads (uploads, `form check`, responses) is read by a
    // child of this same program with bounded memory and time (mamori_form::isolated).
    if let Ok(program) = std::env::current_exe() {
        mamori_form::isolated::read_excel_in_child_processes(program, vec!["read-workbook".into()]);
    }
    match cli.command {
        Command::ReadWorkbook { .. } => unreachable!("handled above"),
        Command::Form(command) => commands::form::run(command),
        Command::Report(args) => commands::report::run(args),
        Command::DemoData(args) => commands::demo::run(args),
        Command::Feedback(args) => commands::feedback::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::Trend(args) => commands::trend::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Hub(command) => commands::hub::run(command),
        Command::User(command) => commands::user::run(command),
        Command::Participants(command) => commands::participants::run(command),
        Command::Backup(args) => commands::database::backup(args),
        Command::Restore(args) => commands::database::restore(args),
        Command::MigrateDb(args) => commands::database::migrate(args),
    }
}
