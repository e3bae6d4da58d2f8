//! Scaffolds a migration pair that builds an index, its SQL written by `pgshift::index`.
//!
//! ```text
//! cargo run --example index_helper -- --table app.cases --column status --column created_at \
//!     --tenant-scope tenant_id=42 --active-only deleted_at --dry-run
//! ```
//!
//! Writes `YYYYMMDDHHMM_<index name>.up.sql` and `.down.sql` (current UTC minute, bumped while
//! a migration of that version exists; no file is ever overwritten) and prints their paths;
//! with `--dry-run` prints the two files instead. `--help` lists the options. The flags are
//! `pgshift::cli::IndexArgs`, the very ones of `pgshift index`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use pgshift::cli::{IndexArgs, Options, Output};

/// Scaffold a migration pair that builds an index (CONCURRENTLY by default) and drops it
#[derive(Parser)]
struct Args {
    /// The migration folder
    #[arg(long, default_value = "db/managed-migrations")]
    dir: PathBuf,
    #[command(flatten)]
    index: IndexArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let out = Output::new(&Options::default());
    match args.index.scaffold(&args.dir, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            out.failure(&failure);
            failure.exit_code()
        }
    }
}
