//! The operator commands, in the application's own binary (feature `cli`).
//!
//! `migrate [--to ID] [--dry-run] [--backup-path P | --no-backup]`, `rollback [--steps N | --to
//! ID]`, `status [--format json]`, `test [--reversible]`, `seed [--rerun-changed]`, `backup
//! --backup-path P`, `restore --restore P` and `baseline [--to ID]`, over the migrations compiled into the binary, so an operator can
//! act in production without the source tree. `rollback` also rolls back migrations this binary
//! does not know, with the down SQL kept in the history table.
//!
//! These are the very commands of the `pgshift` binary (crate `pgshift-cli`), which runs them
//! on folders on disk through [`execute`]: both build their [`Migrator`](crate::Migrator)
//! with [`Options::migrator`], so their defaults cannot drift apart.
//!
//! A binary that is only the ops tool:
//!
//! ```no_run
//! static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("../db/managed-migrations");
//! static SEEDS: pgshift::Seeds = pgshift::embed_seeds!("../db/managed-seeds");
//!
//! fn main() -> std::process::ExitCode {
//!     pgshift::cli::run(&MIGRATIONS, &SEEDS)
//! }
//! ```
//!
//! An application that nests them (`myapp db status`): put [`Ops`] in its clap parser and call
//! [`Ops::run`]; `examples/app_with_ops_cli.rs` shows it.
//!
//! Exit codes: 0 success, 1 run-time failure, 2 usage error, 3 guardrail or validation failure
//! (see [`FailureKind`]). Without `--database-url`, `POSTGRES_URL` then `DATABASE_URL` are used.

mod args;
mod commands;
mod errors;
mod index_args;
mod json;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Command, Format, Ops, Options, parse_duration};
pub use commands::execute;
pub use errors::{Failure, FailureKind};
pub use index_args::IndexArgs;
pub use json::{status as status_json, string as json_string};
pub use output::{Output, Style};

/// The clap this module is built on, for applications that nest [`Ops`] in their parser.
pub use clap;

use crate::migration::Migrations;
use crate::seed::Seeds;

/// Parses the process's arguments as [`Ops`] and runs the command on `migrations`. Usage
/// errors print clap's message and exit 2; `--help` exits 0.
///
/// `seeds` is what `seed` applies (`&Seeds::default()` for an application without seeds).
pub fn run(migrations: &Migrations, seeds: &Seeds) -> ExitCode {
    Ops::parse().run(migrations, seeds)
}

impl Ops {
    /// Runs the parsed command on `migrations`: prints the result, or the failure on stderr,
    /// and returns the exit code. Installs a stderr logger for the library's `log` records
    /// unless the program has one.
    pub fn run(&self, migrations: &Migrations, seeds: &Seeds) -> ExitCode {
        let out = Output::new(&self.options);
        out.install_logger();
        match execute(&self.command, &self.options, migrations, seeds, &out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                out.failure(&failure);
                failure.exit_code()
            }
        }
    }
}
