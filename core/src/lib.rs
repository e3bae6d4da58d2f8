//! Everything pgshift knows about a migration folder without a database.
//!
//! - [`discover`](discover::discover) reads a folder and enforces the naming and pairing
//!   contract (`YYYYMMDDHHMM_name.up.sql` + `.down.sql`);
//! - [`split`] parses each file with PostgreSQL's own grammar (libpg_query, behind [`pg`]) and
//!   locates syntax errors exactly;
//! - [`classify`] tells what each statement is, whether it can run in a transaction and what
//!   table it touches;
//! - [`schema`] folds the migrations, in version order, into a catalog the rules consult;
//! - [`rules`] are the zero-downtime guardrails;
//! - [`analyze_dir`] runs all of it and returns the analysed set with every [`Diagnostic`].
//!
//! The proc macro (`pgshift-macros`) and the on-disk loader both call [`analyze_dir`], so an
//! embedded set and a loaded set cannot disagree.
//!
//! ```
//! use pgshift_core::{analyze_dir, Options};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("202401010000_cases.up.sql"), "ALTER TABLE cases DROP COLUMN title;")?;
//! std::fs::write(dir.path().join("202401010000_cases.down.sql"), "ALTER TABLE cases ADD COLUMN title text;")?;
//!
//! let analysis = analyze_dir(dir.path(), "db/managed-migrations", &Options::default());
//! assert!(analysis.has_errors());
//! let error = &analysis.diagnostics[0];
//! assert_eq!(error.code, "drop-column");
//! assert_eq!(error.location(), "db/managed-migrations/202401010000_cases.up.sql:1:19");
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod allow;
pub mod analyze;
pub mod baseline;
pub mod checksum;
pub mod classify;
pub mod config;
pub mod convert;
pub mod diagnostic;
pub mod discover;
pub mod enums;
pub mod naming;
pub mod pg;
pub mod rules;
pub mod schema;
pub mod seeds;
pub mod source;
pub mod split;

pub use analyze::{
    Analysis, AnalyzedFile, AnalyzedMigration, AnalyzedStatement, Options, analyze_dir, is_true,
};
pub use checksum::{checksum, tokens_checksum};
pub use classify::{StatementKind, TableName, TransactionMode};
pub use config::Config;
pub use diagnostic::{Diagnostic, Position, Severity};
pub use split::parse_sql;
