//! What running a script needs to know: the migration, the script, the direction, the
//! timeouts. Below [`crate::execute`] (which runs jobs) and [`crate::locate`] (which turns a
//! failed job's server error into a position in its file).

use std::time::Duration;

use crate::error::Direction;
use crate::history::Names;
use crate::migration::{Migration, Script};

/// Timeouts and retries for running scripts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
    pub lock_retries: u32,
    pub retry_delay: Duration,
    pub max_retry_delay: Duration,
}

/// What a successful run of a script reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub duration: Duration,
    pub attempts: u32,
    /// Statements (1-based) run outside the transaction after the server refused them inside.
    pub ran_outside: Vec<usize>,
}

/// What a script run is about: the migration, which of its scripts, and how to run it.
pub(crate) struct Job<'a> {
    pub names: &'a Names,
    pub settings: &'a Settings,
    pub migration: &'a Migration,
    pub script: &'a Script,
    pub direction: Direction,
    /// Whether this job's commits must wait for the WAL flush. Every migration of a run but
    /// the last commits without waiting: the last one's synchronous commit flushes the WAL up
    /// to it, and with it every earlier commit (see docs/runtime.md, "Durability").
    pub synchronous: bool,
    /// Statements (1-based) the server refused inside a transaction, run outside one instead.
    pub ran_outside: std::cell::RefCell<Vec<usize>>,
}
