//! Baseline: recording migrations as applied without running them, for a database whose
//! schema already has them (it predates pgshift, or another tool built it).
//!
//! A baselined row is an ordinary `applied` row of `managed_migrations` — checksum, stored
//! down SQL and all, so drift detection and rollback work on it — with `steps_done = -1` and
//! `execution_ms = 0` as its mark (no schema change of the history table, and older pgshift
//! versions read it as applied). `status` shows it as `baselined`.

use std::fmt;

use postgres::Client;

use crate::error::{Drift, Error};
use crate::history::{self, HistoryRow, RowState};
use crate::lock::LockGuard;
use crate::migration::Migration;
use crate::migrator::{History, Migrator, read_only_session};

/// The `steps_done` value that marks a row recorded by a baseline or an import.
pub(crate) const BASELINED: i32 = -1;

/// What [`Migrator::baseline`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BaselineReport {
    /// Migrations recorded as applied without running, in order.
    pub baselined: Vec<String>,
    /// Migrations up to the target that the history already had (with the same checksum).
    pub already_applied: Vec<String>,
}

impl fmt::Display for BaselineReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.baselined.as_slice(), self.already_applied.len()) {
            ([], 0) => write!(f, "nothing to baseline: the set is empty"),
            ([], n) => write!(f, "nothing to baseline: {n} migration(s) already recorded"),
            (done, n) => write!(
                f,
                "baselined {} migration(s) as applied without running them, up to {}{}",
                done.len(),
                done.last().map(String::as_str).unwrap_or_default(),
                if n > 0 {
                    format!("; {n} were already recorded")
                } else {
                    String::new()
                }
            ),
        }
    }
}

impl Migrator<'_> {
    /// Records every migration up to the target ([`Migrator::target`]; all of them when none
    /// is set) as applied without running it, in one transaction under the migration lock.
    ///
    /// For a database whose schema already contains these migrations. Migrations the history
    /// already has (same checksum) are left as they are. Refused, changing nothing, when the
    /// history disagrees with the set: a recorded migration whose file changed
    /// ([`Error::Drift`]), one that is partly applied or being rolled back
    /// ([`Error::Interrupted`]), or applied migrations this binary does not know
    /// ([`Error::UnknownApplied`]).
    ///
    /// ```no_run
    /// static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("../db/managed-migrations");
    ///
    /// let mut client = pgshift::connect_from_env()?;
    /// // The production database was built by hand up to this migration:
    /// let report = pgshift::Migrator::new(&MIGRATIONS)
    ///     .target("202412010003_create_case_notes")
    ///     .baseline(&mut client)?;
    /// println!("{report}");
    /// # Ok::<(), pgshift::Error>(())
    /// ```
    pub fn baseline(&self, client: &mut Client) -> Result<BaselineReport, Error> {
        self.baseline_where(client, false)
    }

    /// [`Migrator::baseline`] only when the database has no pgshift history at all (no table,
    /// or no rows); otherwise nothing. For an app that adopts pgshift on boot across a fleet
    /// of databases, some built before pgshift and some after:
    ///
    /// ```no_run
    /// static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("../db/managed-migrations");
    ///
    /// let mut client = pgshift::connect_from_env()?;
    /// let migrator = pgshift::Migrator::new(&MIGRATIONS);
    /// migrator.clone().target("202412010003").baseline_if_empty(&mut client)?;
    /// migrator.migrate(&mut client)?; // only what came after the baseline
    /// # Ok::<(), pgshift::Error>(())
    /// ```
    pub fn baseline_if_empty(&self, client: &mut Client) -> Result<BaselineReport, Error> {
        self.baseline_where(client, true)
    }

    fn baseline_where(
        &self,
        client: &mut Client,
        only_if_empty: bool,
    ) -> Result<BaselineReport, Error> {
        let wanted = self.wanted()?;
        self.record_without_running(
            client,
            wanted,
            |_| true,
            only_if_empty,
            "recording the baseline",
        )
    }

    /// Under the migration lock, records the migrations of `set` that `pick` selects and the
    /// history lacks as applied without running them, in one transaction; refused when the
    /// history disagrees with `set`. With `only_if_empty`, nothing happens over any history.
    /// Shared by [`Migrator::baseline`] and [`Migrator::import_history`].
    pub(crate) fn record_without_running(
        &self,
        client: &mut Client,
        set: &[Migration],
        pick: impl Fn(&Migration) -> bool,
        only_if_empty: bool,
        context: &'static str,
    ) -> Result<BaselineReport, Error> {
        let exists = self.summary(client, set)?.is_some();
        let read = if exists {
            self.names.select_sql()
        } else {
            format!("{}{}", self.names.create_sql(), self.names.select_sql())
        };
        let (mut guard, messages) =
            LockGuard::acquire(client, self.lock_key(), self.advisory_lock_timeout, &read)
                .map_err(read_only_session)?;
        let rows = history::history_rows(&messages);
        if only_if_empty && !rows.is_empty() {
            log::debug!("the history has {} row(s): nothing recorded", rows.len());
            return Ok(BaselineReport::default());
        }
        refuse_disagreement(self, set, &rows)?;
        let history = History::new(&rows);
        let mut report = BaselineReport::default();
        let mut sql = String::from("BEGIN;\n");
        for m in set.iter().filter(|m| pick(m)) {
            match history.get(m.version) {
                Some(_) => report.already_applied.push(m.id.to_string()),
                None => {
                    sql.push_str(&insert_sql(self, m));
                    sql.push_str(";\n");
                    report.baselined.push(m.id.to_string());
                }
            }
        }
        if report.baselined.is_empty() {
            return Ok(report);
        }
        sql.push_str("COMMIT;");
        if let Err(e) = guard.simple_query(&sql) {
            let _ = guard.simple_query("ROLLBACK");
            return Err(Error::db(context)(e));
        }
        log::info!("{report}");
        Ok(report)
    }
}

/// The history must agree with the set before anything is recorded as applied.
pub(crate) fn refuse_disagreement(
    migrator: &Migrator<'_>,
    wanted: &[Migration],
    rows: &[HistoryRow],
) -> Result<(), Error> {
    if let Some(r) = rows.iter().find(|r| r.state != RowState::Applied) {
        return Err(Error::Interrupted {
            id: r.id(),
            what: format!(
                "is {} in the history, so the database is not in a known state to baseline; finish it first \
                 (`migrate` resumes, `rollback` finishes a rollback)",
                r.state.as_str()
            ),
        });
    }
    let drift: Vec<Drift> = rows
        .iter()
        .filter_map(|r| {
            let m = wanted
                .iter()
                .chain(migrator.migrations.iter())
                .find(|m| m.version == r.version)?;
            (!m.matches_checksum(&r.checksum)).then(|| Drift {
                id: m.id.to_string(),
                applied: r.checksum.clone(),
                current: m.checksum().to_string(),
            })
        })
        .collect();
    if !drift.is_empty() {
        return Err(Error::Drift(drift));
    }
    let unknown: Vec<HistoryRow> = rows
        .iter()
        .filter(|r| !migrator.is_known(r.version))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(Error::UnknownApplied(unknown));
    }
    Ok(())
}

/// A baselined history row for `m`.
pub(crate) fn insert_sql(migrator: &Migrator<'_>, m: &Migration) -> String {
    migrator.names.insert_recorded_sql(m, BASELINED)
}

/// Whether a history row was recorded by a baseline or an import.
pub(crate) fn is_baselined(row: &HistoryRow) -> bool {
    row.state == RowState::Applied && row.steps_done == BASELINED
}
