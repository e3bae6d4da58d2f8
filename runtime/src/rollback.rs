//! Rolling back.

use postgres::Client;

use crate::error::Error;
use crate::execute;
use crate::history::{self, HistoryRow};
use crate::lock::LockGuard;
use crate::migration::{Migration, Script};
use crate::migrator::{Migrator, Rollback, read_only_session};
use crate::report::{DownSource, RollbackReport, RolledBack};

impl Migrator<'_> {
    /// Rolls back: runs down files newest first, each in its own transaction with the same
    /// timeouts, deleting the history row in that transaction. A migration this binary does not
    /// know (or whose file changed) is rolled back with the down SQL kept in its history row.
    pub fn rollback(&self, client: &mut Client, what: Rollback) -> Result<RollbackReport, Error> {
        if self.summary(client, self.migrations.as_slice())?.is_none() {
            return match what {
                Rollback::To(target) => Err(self.not_applied(&target)),
                Rollback::Steps(_) => Ok(RollbackReport::default()),
            };
        }
        let (mut guard, messages) = LockGuard::acquire(
            client,
            self.lock_key(),
            self.advisory_lock_timeout,
            &self.names.select_sql(),
        )
        .map_err(read_only_session)?;
        let mut rows = history::history_rows(&messages);
        rows.sort_by_key(|r| std::cmp::Reverse(r.version));
        let chosen: Vec<&HistoryRow> = match &what {
            Rollback::Steps(n) => rows.iter().take(*n).collect(),
            Rollback::To(target) => {
                let matches = |r: &HistoryRow| {
                    target.parse::<i64>() == Ok(r.version)
                        || r.id() == *target
                        || self
                            .migrations
                            .find(target)
                            .is_some_and(|m| m.version == r.version)
                };
                let Some(t) = rows.iter().find(|r| matches(r)) else {
                    return Err(self.not_applied(target));
                };
                rows.iter().take_while(|r| r.version > t.version).collect()
            }
        };
        let mut downs = Vec::with_capacity(chosen.len());
        for row in chosen {
            downs.push(self.down_for(&mut guard, row)?);
        }
        let irreversible: Vec<String> = downs
            .iter()
            .filter(|(_, script, _)| script.statements.is_empty())
            .map(|(m, _, _)| m.id.to_string())
            .collect();
        if !irreversible.is_empty() && !self.force_irreversible {
            return Err(Error::Irreversible(irreversible));
        }
        let mut report = RollbackReport::default();
        for (migration, script, source) in downs {
            match execute::revert(&mut guard, &self.names, &self.settings, &migration, &script) {
                Ok(outcome) => {
                    log::info!(
                        "rolled back {} in {} ms",
                        migration.id,
                        outcome.duration.as_millis()
                    );
                    report.rolled_back.push(RolledBack {
                        id: migration.id.to_string(),
                        duration: outcome.duration,
                        source,
                    });
                }
                Err(mut e) => {
                    e.completed_before = report.rolled_back.iter().map(|r| r.id.clone()).collect();
                    return Err(Error::Migration(e));
                }
            }
        }
        Ok(report)
    }

    fn not_applied(&self, target: &str) -> Error {
        match self.migrations.find(target) {
            Some(m) => Error::RollbackTargetNotApplied {
                id: m.id.to_string(),
            },
            None => Error::UnknownTarget(target.to_string()),
        }
    }

    /// The down script for a history row: the binary's when it knows the migration unchanged,
    /// else the copy kept in the row (verified against its stored checksum).
    fn down_for(
        &self,
        client: &mut Client,
        row: &HistoryRow,
    ) -> Result<(Migration, Script, DownSource), Error> {
        if let Some(m) = self
            .migrations
            .iter()
            .find(|m| m.version == row.version && m.matches_checksum(&row.checksum))
        {
            let m = self.effective(m);
            return Ok((m.clone(), m.down.clone(), DownSource::Binary));
        }
        let messages = client
            .simple_query(&self.names.down_sql(row.version))
            .map_err(Error::db("reading a stored down script"))?;
        let r = history::rows(&messages)
            .next()
            .ok_or_else(|| Error::Interrupted {
                id: row.id(),
                what: "vanished from the history table during the rollback".into(),
            })?;
        let path = format!("{}.down.sql (from the history table)", row.id());
        let script = history::decode_script(
            path,
            r.get(0).unwrap_or_default().to_string(),
            r.get(1).unwrap_or_default(),
            r.get(2).unwrap_or_default(),
        )
        .map_err(|what| Error::Interrupted {
            id: row.id(),
            what: format!("cannot be rolled back: {what}"),
        })?;
        let stub = Migration::new(
            row.version,
            row.name.clone(),
            row.id(),
            script.clone(),
            script.clone(),
        );
        Ok((stub, script, DownSource::History))
    }
}
