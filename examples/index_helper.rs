//! Scaffolds a migration pair that builds an index, its SQL written by `pgshift::index`.
//!
//! ```text
//! cargo run --example index_helper -- --table app.cases --column status --column created_at \
//!     --tenant-scope tenant_id=42 --active-only deleted_at --dry-run
//! ```
//!
//! Writes `YYYYMMDDHHMM_<index name>.up.sql` and `.down.sql` (current UTC minute, bumped while
//! a migration of that version exists; no file is ever overwritten) and prints their paths;
//! with `--dry-run` prints the two files instead. `--help` lists the options.

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use pgshift::index::{self, ActiveFilter, IndexSpec, Literal, Method};

const USAGE: &str = "\
usage: index_helper --table SCHEMA.TABLE --column C [--column C ...] [options]

  --table SCHEMA.TABLE     the table (no dot: schema public)
  --column C               a key column, in order (repeat for more)
  --method M               btree (default), hash, gist, spgist, gin or brin
  --unique                 a UNIQUE index (btree only)
  --tenant-scope COL=V     only rows with COL = V (V: an integer, a uuid, or text; 'quoted' is always text)
  --case-scope COL=V       the same, for a case column
  --active-only COL        only rows with COL IS NULL (a soft-delete timestamp)
  --where SQL              only rows matching SQL (not escaped: your own SQL)
  --name N                 the index name (default: derived from the spec)
  --no-concurrently        build with a write lock instead of CONCURRENTLY
  --dir DIR                the migration folder (default db/managed-migrations)
  --dry-run                print the two files instead of writing them";

/// What the command line asks for.
struct Args {
    spec: IndexSpec,
    dir: PathBuf,
    dry_run: bool,
}

/// Why the program stops.
enum Failure {
    /// The command line is wrong: show the usage.
    Usage(String),
    /// The spec or the folder is wrong.
    Other(Box<dyn Error>),
}

impl<E: Error + 'static> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Other(Box::new(e))
    }
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Other(error)) => {
            eprint!("error: {error}");
            let mut source = error.source();
            while let Some(cause) = source {
                eprint!(": {cause}");
                source = cause.source();
            }
            eprintln!();
            ExitCode::FAILURE
        }
    }
}

fn run(args: impl Iterator<Item = String>) -> Result<(), Failure> {
    let Some(args) = parse(args)? else {
        println!("{USAGE}");
        return Ok(());
    };
    let now = SystemTime::now();
    if args.dry_run {
        let pair = index::plan_migration(&args.dir, &args.spec, now)?;
        println!("-- {} (not written: --dry-run)", pair.up_path.display());
        print!("{}", pair.up_sql);
        println!("\n-- {} (not written: --dry-run)", pair.down_path.display());
        print!("{}", pair.down_sql);
    } else {
        let pair = index::scaffold(&args.dir, &args.spec, now)?;
        println!("wrote {}", pair.up_path.display());
        println!("wrote {}", pair.down_path.display());
    }
    Ok(())
}

/// The arguments, or `None` for `--help`.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, Failure> {
    let mut builder = None;
    let mut columns = Vec::new();
    let mut dir = PathBuf::from("db/managed-migrations");
    let mut dry_run = false;
    let mut options = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| Failure::Usage(format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--table" => {
                let table = value()?;
                let (schema, name) = table.split_once('.').unwrap_or(("public", &table));
                builder = Some(IndexSpec::on(schema, name));
            }
            "--column" => columns.push(value()?),
            "--dir" => dir = PathBuf::from(value()?),
            "--dry-run" => dry_run = true,
            "--unique" | "--no-concurrently" => options.push((arg, String::new())),
            "--method" | "--tenant-scope" | "--case-scope" | "--active-only" | "--where"
            | "--name" => {
                let v = value()?;
                options.push((arg, v));
            }
            other => return Err(Failure::Usage(format!("unknown argument `{other}`"))),
        }
    }
    let mut builder = builder.ok_or_else(|| Failure::Usage("--table is missing".into()))?;
    if columns.is_empty() {
        return Err(Failure::Usage("give at least one --column".into()));
    }
    for column in columns {
        builder = builder.column(column);
    }
    for (option, value) in options {
        builder = match option.as_str() {
            "--unique" => builder.unique(),
            "--no-concurrently" => builder.concurrently(false),
            "--method" => builder.method(value.parse::<Method>()?),
            "--tenant-scope" => {
                let (column, literal) = scope(&option, &value)?;
                builder.tenant_scope(column, literal)
            }
            "--case-scope" => {
                let (column, literal) = scope(&option, &value)?;
                builder.case_scope(column, literal)
            }
            "--active-only" => builder.active_only(ActiveFilter::DeletedAtIsNull(value)),
            "--where" => builder.where_raw(value),
            _ => builder.name(value),
        };
    }
    Ok(Some(Args {
        spec: builder.build()?,
        dir,
        dry_run,
    }))
}

/// `COL=VALUE`: an integer, a uuid (hex digits in five groups, checked by the builder), or
/// text (`'...'` always).
fn scope(option: &str, arg: &str) -> Result<(String, Literal), Failure> {
    let (column, value) = arg
        .split_once('=')
        .ok_or_else(|| Failure::Usage(format!("{option} takes COLUMN=VALUE, not `{arg}`")))?;
    let literal = Literal::infer(value);
    Ok((column.to_string(), literal))
}
