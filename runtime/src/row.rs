//! A row of the history table, as read. At the bottom of the runtime: errors carry rows.

use std::fmt;

/// Whether a history row's migration finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowState {
    /// Every step ran.
    Applied,
    /// Some steps ran; the next run resumes after `steps_done`.
    Partial,
    /// A rollback in several steps started and did not finish; running it again finishes it.
    Reverting,
}

impl RowState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RowState::Applied => "applied",
            RowState::Partial => "partial",
            RowState::Reverting => "reverting",
        }
    }
}

/// One row of the history table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HistoryRow {
    /// The version.
    pub version: i64,
    /// The name.
    pub name: String,
    /// Checksum of the up file that was applied.
    pub checksum: String,
    /// Finished or under way.
    pub state: RowState,
    /// Steps completed.
    pub steps_done: i32,
    /// When it was applied (UTC, ISO 8601).
    pub applied_at: String,
    /// How long it took, in milliseconds.
    pub execution_ms: i64,
}

impl HistoryRow {
    /// `VERSION_name`.
    pub fn id(&self) -> String {
        format!("{}_{}", self.version, self.name)
    }
}

impl fmt::Display for HistoryRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}
