//! # pgshift
//!
//! Ship your PostgreSQL schema inside your binary and change it without downtime.
//!
//! Migrations are paired files, `db/managed-migrations/YYYYMMDDHHMM_name.up.sql` and
//! `.down.sql`. [`embed_migrations!`] reads them **at compile time**, checks names, pairs, SQL
//! syntax (PostgreSQL's own grammar) and zero-downtime guardrails, and turns every problem
//! into a compile error naming the file, line and rule. What it emits is a static, checksummed
//! table: this crate never parses SQL at run time.
//!
//! [`Migrator`] applies the set on a [`postgres::Client`]: one advisory lock against
//! concurrent replicas, one transaction per migration (its history row included) with
//! `lock_timeout` and `statement_timeout`, retries on lock timeouts, checksum drift detection,
//! rollback, status, dry run and a test mode.
//!
//! ```no_run
//! static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("../db/managed-migrations");
//!
//! fn main() -> Result<(), pgshift::Error> {
//!     let mut client = pgshift::connect_from_env()?; // POSTGRES_URL or DATABASE_URL
//!     let report = pgshift::Migrator::new(&MIGRATIONS).migrate(&mut client)?;
//!     println!("{report}");
//!     Ok(())
//! }
//! ```
//!
//! With the `cli` feature, the `cli` module gives the application's own binary the operator
//! commands (`myapp db migrate`, `db rollback --steps 1`, `db status --format json`,
//! `db test`) over the embedded set; they are the commands of the `pgshift` binary (crate
//! `pgshift-cli`).
//!
//! Logging goes through the [`log`] facade (one line per applied migration with its duration);
//! this crate never installs a logger.

pub mod backup;
mod baseline;
mod check;
mod connect;
mod embedded;
mod error;
mod execute;
pub mod history;
pub mod import;
pub mod index;
mod indexing;
mod inspect;
mod job;
mod locate;
mod lock;
mod migration;
mod migrator;
mod progress;
mod report;
mod rollback;
mod row;
mod seed;
mod sql;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "load")]
pub mod load;

pub use baseline::BaselineReport;
pub use check::TestReport;
pub use connect::{connect, connect_from_env, url_from_env};
pub use error::{Blocker, Direction, Drift, Error, MigrationError, redact};
pub use history::HistoryRow;
pub use lock::lock_key;
pub use migration::{
    EnumValueUse, Migration, Migrations, Script, Statement, StatementKind, TransactionMode,
};
pub use migrator::{
    DEFAULT_ADVISORY_LOCK_TIMEOUT, DEFAULT_LOCK_RETRIES, DEFAULT_LOCK_TIMEOUT, DEFAULT_RETRY_DELAY,
    DEFAULT_STATEMENT_TIMEOUT, MAX_RETRY_DELAY, Migrator, Rollback, UnknownMigrations,
};
pub use progress::Progress;
pub use report::{
    Applied, DownSource, IndexBuild, MigrationState, Plan, PlannedMigration, PlannedStatement,
    PlannedStep, Report, RollbackReport, RolledBack, Status, StatusEntry,
};

pub use seed::{AppliedSeed, Seed, SeedReport, Seeds};

pub use postgres;

/// Embeds a migration folder, checked at compile time.
///
/// `embed_migrations!()` reads `db/managed-migrations` relative to the crate's `Cargo.toml`;
/// `embed_migrations!("path")` another folder (also relative to `Cargo.toml`). The result is a
/// constant expression:
///
/// ```
/// static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("../db/managed-migrations");
/// assert!(MIGRATIONS.find("202412010001_create_tenants").is_some());
/// ```
///
/// Every problem of the folder is a compile error naming `path:line:column` and the rule:
/// misnamed or unpaired files, empty up files, syntax errors, transaction control, and the
/// zero-downtime guardrails (`drop-table`, `drop-column`, `rename-table`, `rename-column`,
/// `change-column-type`). A guardrail is allowed for one statement by the comment
/// `-- pgshift:allow <rule-id> -- <reason>` on the line directly above it, or for a whole
/// build by `ALLOW_BREAKING_MIGRATIONS=true` in the build environment (cargo rebuilds when it
/// changes).
///
/// Each file is `include_str!`-ed, so editing one rebuilds. For cargo to notice *new* files,
/// add a build script with `println!("cargo:rerun-if-changed=db");`.
///
/// `PGSHIFT_MANIFEST_DIR`, when set, replaces `CARGO_MANIFEST_DIR` as the base of the path
/// (for test harnesses that build elsewhere, like trybuild).
pub use pgshift_macros::embed_migrations;

/// Embeds a seed folder, checked at compile time.
///
/// `embed_seeds!()` reads `db/managed-seeds` relative to the crate's `Cargo.toml`;
/// `embed_seeds!("path")` another folder. Seeds are the folder's `*.sql` files (named
/// `[a-z0-9_]+.sql`), applied in file-name order by [`Migrator::seed`]:
///
/// ```
/// static SEEDS: pgshift::Seeds = pgshift::embed_seeds!("../db/managed-seeds");
/// assert_eq!(SEEDS.as_slice()[0].name, "001_demo_tenants");
/// ```
///
/// Checked like migrations: file names, UTF-8, PostgreSQL's grammar (errors at
/// `path:line:column`), no transaction control, and no statement that cannot run inside a
/// transaction (each seed is applied and recorded atomically). The zero-downtime guardrails
/// do not apply: seeds write data, not schema.
pub use pgshift_macros::embed_seeds;

#[doc(hidden)]
pub mod __private {
    pub use crate::migration::{
        EnumValueUse, Migration, Migrations, Script, Statement, StatementKind, TransactionMode,
    };
    pub use crate::seed::{Seed, Seeds};
}
