//! The command line: global database options and the database subcommands, as clap types an
//! application can nest in its own parser.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::migration::Migrations;
use crate::migrator::Migrator;

/// Options every database command takes. Unset options keep [`Migrator::new`]'s defaults, so
/// the command line and the library cannot disagree about them.
#[derive(Args, Clone, Debug, Default, PartialEq, Eq)]
#[command(next_help_heading = "Database options")]
#[non_exhaustive]
pub struct Options {
    /// Database to use [default: POSTGRES_URL, else DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Schema of the history tables [default: public]
    #[arg(long, global = true, value_name = "SCHEMA")]
    pub schema: Option<String>,

    /// lock_timeout of every migration statement, e.g. 5s, 500ms, 0 for none [default: 5s]
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub lock_timeout: Option<Duration>,

    /// statement_timeout of every migration statement, e.g. 10m, 1h, 0 for none [default: 10m]
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub statement_timeout: Option<Duration>,

    /// Retries of a migration after a lock timeout, with a growing delay [default: 3]
    #[arg(long, global = true, value_name = "N")]
    pub lock_retries: Option<u32>,

    /// Print only errors (and the data a command was asked for)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: -v each step as it happens, -vv debug details
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
}

impl Options {
    /// The migrator these options describe: [`Migrator::new`] with only the options that were
    /// given applied on top.
    pub fn migrator<'m>(&self, migrations: &'m Migrations) -> Migrator<'m> {
        let mut migrator = Migrator::new(migrations);
        if let Some(schema) = &self.schema {
            migrator = migrator.schema(schema.clone());
        }
        if let Some(timeout) = self.lock_timeout {
            migrator = migrator.lock_timeout(timeout);
        }
        if let Some(timeout) = self.statement_timeout {
            migrator = migrator.statement_timeout(timeout);
        }
        if let Some(retries) = self.lock_retries {
            migrator = migrator.lock_retries(retries);
        }
        migrator
    }
}

/// The database commands.
#[derive(Subcommand, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// Apply pending migrations, each in its own transaction
    Migrate {
        /// Apply only up to and including this migration (id or version)
        #[arg(long, value_name = "ID")]
        to: Option<String>,
        /// Print what would run (statements, transactions, timeouts, backup); execute nothing
        #[arg(long)]
        dry_run: bool,
        /// Where the pg_dump backup taken before migrating goes (*.sql: plain SQL, else pg_dump's custom format) [default: <database>-<UTC time>-before-<target>.dump in the current directory]
        #[arg(long, value_name = "PATH", conflicts_with = "no_backup")]
        backup_path: Option<PathBuf>,
        /// Migrate without taking a backup first
        #[arg(long)]
        no_backup: bool,
    },
    /// Roll back the newest migration, or more
    Rollback {
        /// How many of the newest applied migrations to roll back [default: 1]
        #[arg(long, value_name = "N", conflicts_with = "to", value_parser = parse_steps)]
        steps: Option<u64>,
        /// Roll back every migration applied after this one (id or version); it stays applied
        #[arg(long, value_name = "ID")]
        to: Option<String>,
        /// Pass over migrations whose down file is empty, deleting only their history row (their objects stay)
        #[arg(long)]
        force_irreversible: bool,
    },
    /// Show every migration's state
    Status {
        /// Output format (json: see docs/cli.md for the shape)
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Apply the whole set to a throwaway database on the same server, then drop it
    Test {
        /// Also check that each down file undoes its up file (schema compared before and after)
        #[arg(long)]
        reversible: bool,
    },
    /// Apply the seeds not applied yet, in file-name order, each once (tracked in seed_history)
    Seed {
        /// Run seeds whose file changed since they were applied again (instead of refusing)
        #[arg(long)]
        rerun_changed: bool,
    },
    /// Back the database up with pg_dump
    Backup {
        /// The file to write (*.sql: plain SQL, else pg_dump's custom format)
        #[arg(long, value_name = "PATH")]
        backup_path: PathBuf,
    },
    /// Restore a backup (plain or custom format), all or nothing, under the migration lock
    Restore {
        /// The backup file to restore
        #[arg(long, value_name = "PATH")]
        restore: PathBuf,
    },
    /// Record migrations as applied without running them (a database that already has them)
    Baseline {
        /// Up to and including this migration (id or version) [default: all]
        #[arg(long, value_name = "ID")]
        to: Option<String>,
    },
}

/// How `status` prints.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// A table for people.
    #[default]
    Human,
    /// One JSON object (documented in docs/cli.md; fields are only ever added).
    Json,
}

/// The database commands with their options: nest it in an application's parser
/// (`myapp db status`), or parse it alone with [`run`](crate::cli::run).
///
/// ```
/// use clap::{Parser, Subcommand};
///
/// #[derive(Parser)]
/// struct App {
///     #[command(subcommand)]
///     command: AppCommand,
/// }
///
/// #[derive(Subcommand)]
/// enum AppCommand {
///     /// Serve requests
///     Serve,
///     /// Database migrations embedded in this binary
///     Db(pgshift::cli::Ops),
/// }
///
/// let app = App::parse_from(["myapp", "db", "rollback", "--steps", "2"]);
/// assert!(matches!(app.command, AppCommand::Db(_)));
/// ```
#[derive(Parser, Clone, Debug, PartialEq, Eq)]
#[command(about = "Migrations embedded in this binary: apply, roll back, inspect, test")]
#[non_exhaustive]
pub struct Ops {
    /// The options.
    #[command(flatten)]
    pub options: Options,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// A number of migrations, 1 or more.
fn parse_steps(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "`{text}` is not a number of migrations: give 1 or more"
        )),
    }
}

/// Parses a duration as people write one: `500ms`, `5s`, `10m`, `1h`, or `0` (no limit).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(pgshift::cli::parse_duration("10m"), Ok(Duration::from_secs(600)));
/// assert!(pgshift::cli::parse_duration("10").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let bad = || {
        format!(
            "`{text}` is not a duration: write a whole number and a unit, e.g. 500ms, 5s, 10m, 1h (0: no limit)"
        )
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    let millis = match unit.trim() {
        "ms" => Some(n),
        "s" | "sec" => n.checked_mul(1_000),
        "m" | "min" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        _ => None,
    };
    millis.map(Duration::from_millis).ok_or_else(bad)
}

#[cfg(test)]
/// `5s`, `10m`, `1h`, `500ms`: the shortest way to write `d` back.
pub(crate) fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0 => "0".into(),
        _ if ms.is_multiple_of(3_600_000) => format!("{}h", ms / 3_600_000),
        _ if ms.is_multiple_of(60_000) => format!("{}m", ms / 60_000),
        _ if ms.is_multiple_of(1_000) => format!("{}s", ms / 1_000),
        _ => format!("{ms}ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "5", "s", "5x", "-1s", "1.5s", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_help_states_the_library_defaults() {
        let help = Ops::command().render_long_help().to_string();
        for (flag, default) in [
            ("lock_timeout", crate::DEFAULT_LOCK_TIMEOUT),
            ("statement_timeout", crate::DEFAULT_STATEMENT_TIMEOUT),
        ] {
            let text = format!("{flag} of every migration statement");
            let line = help
                .lines()
                .skip_while(|l| !l.contains(&text))
                .take(3)
                .collect::<String>();
            let expected = format!("[default: {}]", format_duration(default));
            assert!(
                line.contains(&expected),
                "{flag}: {line:?} lacks {expected}"
            );
        }
    }

    #[test]
    fn unset_options_keep_the_library_defaults() {
        static EMPTY: Migrations = Migrations::__new(&[]);
        let ops = Ops::try_parse_from(["app", "status"]).unwrap();
        let plain = format!("{:?}", Migrator::new(&EMPTY));
        assert_eq!(format!("{:?}", ops.options.migrator(&EMPTY)), plain);
        let ops = Ops::try_parse_from(["app", "status", "--lock-timeout", "2s"]).unwrap();
        assert_eq!(ops.options.lock_timeout, Some(Duration::from_secs(2)));
    }

    #[test]
    fn rollback_takes_steps_or_to_not_both() {
        assert!(Ops::try_parse_from(["app", "rollback", "--steps", "1", "--to", "x"]).is_err());
        assert!(Ops::try_parse_from(["app", "rollback", "--steps", "0"]).is_err());
        Ops::command().debug_assert();
    }
}
