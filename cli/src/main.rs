//! `pgshift`: PostgreSQL migration folders on disk — lint them in CI, scaffold new ones, apply,
//! roll back, inspect and test them against a database.
//!
//! The database commands are `pgshift::cli`'s, the same ones an application nests in its own
//! binary; this binary loads the folder with the same analysis `embed_migrations!()` runs at
//! compile time, and without a database URL uses the local dev cluster. See docs/cli.md.

mod convert;
mod database;
mod lint;
mod scaffold;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use pgshift::cli::{Failure, Output};

/// Zero-downtime PostgreSQL migrations: lint, scaffold, apply, roll back, inspect, test
#[derive(Parser, Debug)]
#[command(name = "pgshift", version)]
struct Cli {
    #[command(flatten)]
    files: Folders,
    #[command(flatten)]
    db: pgshift::cli::Options,
    #[command(subcommand)]
    command: Command,
}

/// Where the files are.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Folders")]
struct Folders {
    /// The migration folder
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        default_value = "db/managed-migrations"
    )]
    dir: PathBuf,
    /// The seed folder (used by `seed`)
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        default_value = "db/managed-seeds"
    )]
    seeds_dir: PathBuf,
}

#[derive(Subcommand, Debug)]
enum Command {
    #[command(flatten)]
    Database(pgshift::cli::Command),
    /// Check migration folders without a database (what CI runs on a pull request)
    Lint(lint::LintArgs),
    /// Write an empty migration pair YYYYMMDDHHMM_NAME.up.sql / .down.sql (UTC, never colliding)
    New {
        /// The migration's name: lowercase letters, digits and _
        #[arg(value_parser = scaffold::parse_name)]
        name: String,
    },
    /// Create db/managed-migrations, db/managed-seeds, the build-script line and pgshift.toml
    Init,
    /// Write a migration pair that builds an index (CONCURRENTLY by default) and drops it
    Index(Box<pgshift::cli::IndexArgs>),
    /// Convert a diesel, sqlx or refinery folder into pgshift's layout; with --database-url, also import its history
    Convert(convert::ConvertArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(&cli.db);
    out.install_logger();
    let result: Result<(), Failure> = match &cli.command {
        Command::Database(command) => database::run(command, &cli.files, &cli.db, &out),
        Command::Lint(args) => lint::run(args, &cli.files.dir, &out),
        Command::New { name } => scaffold::new(&cli.files.dir, name, &out),
        Command::Init => scaffold::init(&cli.files, &out),
        Command::Index(args) => scaffold::index(args, &cli.files.dir, &out),
        Command::Convert(args) => convert::run(args, &cli.files.dir, &cli.db, &out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            out.failure(&failure);
            failure.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_go_before_or_after_the_subcommand() {
        let a = Cli::try_parse_from(["pgshift", "--dir", "x", "status"]).unwrap();
        let b = Cli::try_parse_from(["pgshift", "status", "--dir", "x"]).unwrap();
        assert_eq!(a.files.dir, b.files.dir);
    }
}
