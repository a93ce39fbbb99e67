//! `mamori user add`: the first admin of a new database (and any user, from a script).

use clap::{Args, Subcommand, ValueEnum};
use mamori_web::mamori_store::{Role, Store};
use std::io::BufRead;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is the first line of standard input (at least 12 characters).
    Add(Add),
}

#[derive(Args)]
pub struct Add {
    /// The database, as for `mamori serve --db`.
    #[arg(long, default_value = "sqlite://mamori.db")]
    db: String,
    #[arg(long)]
    login: String,
    /// The name shown on the pages.
    #[arg(long, default_value = "")]
    name: String,
    #[arg(long, value_enum)]
    role: RoleArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    /// Everything: campaigns, participants, mail, users, audit log, results, review.
    Admin,
    /// Results and exports only.
    Analyst,
    /// Reviewing submitted responses only.
    Reviewer,
}

pub fn run(command: UserCommand) -> ExitCode {
    let UserCommand::Add(args) = command;
    let mut password = String::new();
    if std::io::stdin().lock().read_line(&mut password).is_err() {
        eprintln!("error: cannot read the password from standard input");
        return ExitCode::FAILURE;
    }
    let password = password.trim_end_matches(['\r', '\n']);
    if let Some(problem) = mamori_web::password::problem(password, &args.login) {
        eprintln!("error: the password (first line of standard input) is refused: {problem}");
        return ExitCode::FAILURE;
    }
    let role = match args.role {
        RoleArg::Admin => Role::Admin,
        RoleArg::Analyst => Role::Analyst,
        RoleArg::Reviewer => Role::Reviewer,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let hash = mamori_web::hash_password(password);
    let result = runtime.block_on(async {
        let store = Store::open(&args.db).await?;
        if store.user_for_login(&args.login).await?.is_some() {
            return Err(mamori_web::mamori_store::StoreError(format!("the login {} exists already", args.login)));
        }
        store.create_user(&args.login, &args.name, role, &hash).await
    });
    match result {
        Ok(_) => {
            println!("added {} ({})", args.login, role.as_str());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
