//! An application whose own binary carries the migration commands, over the migrations
//! compiled into it: an operator runs `myapp db status` or `myapp db rollback --steps 1` in
//! production, without the source tree or the `pgshift` tool.
//!
//! ```text
//! cargo run --example app_with_ops_cli -- db status --database-url postgres://app@localhost/app
//! cargo run --example app_with_ops_cli -- db migrate --dry-run
//! cargo run --example app_with_ops_cli -- serve
//! ```
//!
//! `db` takes the very commands and flags of `pgshift` (`migrate [--to ID] [--dry-run]`,
//! `rollback [--steps N | --to ID]`, `status [--format json]`, `test [--reversible]`, and
//! `--database-url`, `--schema`, `--lock-timeout`, `--statement-timeout`, `-q`, `-v`), with
//! the same defaults: both build the migrator through `pgshift::cli::Options::migrator`.
//! `rollback` can undo migrations a newer release applied, with the down SQL kept in the
//! history table.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Checked at compile time, like any `embed_migrations!()`.
static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!();
/// `myapp db seed` applies these.
static SEEDS: pgshift::Seeds = pgshift::embed_seeds!();

/// A service with its own commands.
#[derive(Parser)]
#[command(name = "myapp")]
struct App {
    #[command(subcommand)]
    command: AppCommand,
}

#[derive(Subcommand)]
enum AppCommand {
    /// Apply pending migrations, then serve (what the service does on start)
    Serve,
    /// Database migrations embedded in this binary
    Db(pgshift::cli::Ops),
}

fn main() -> ExitCode {
    match App::parse().command {
        AppCommand::Db(ops) => ops.run(&MIGRATIONS, &SEEDS),
        AppCommand::Serve => {
            // The same migrator the `db` commands use, with their defaults.
            let options = pgshift::cli::Options::default();
            let migrate = || -> Result<(), pgshift::Error> {
                let mut client = pgshift::connect_from_env()?;
                let report = options.migrator(&MIGRATIONS).migrate(&mut client)?;
                println!("{report}");
                Ok(())
            };
            match migrate() {
                Ok(()) => {
                    println!("serving (this example stops here)");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
