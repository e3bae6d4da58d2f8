//! Reading without changing: status and the dry-run plan.

use postgres::Client;

use crate::error::Error;
use crate::execute::{self, Step};
use crate::history::{self, RowState};
use crate::migration::Migration;
use crate::migrator::{History, Migrator};
use crate::report::*;

impl Migrator<'_> {
    /// Every migration's state, without taking any lock or writing anything.
    pub fn status(&self, client: &mut Client) -> Result<Status, Error> {
        let rows = history::read(client, &self.names)?;
        let history_exists = rows.is_some();
        let rows = rows.unwrap_or_default();
        let history = History::new(&rows);
        let mut entries: Vec<StatusEntry> = self
            .migrations
            .iter()
            .map(|m| {
                let state = match history.get(m.version) {
                    None => MigrationState::Pending,
                    Some(r) if !m.matches_checksum(&r.checksum) => MigrationState::Drift {
                        applied: r.checksum.clone(),
                        current: m.checksum().to_string(),
                    },
                    Some(r) if r.state == RowState::Partial => MigrationState::Partial {
                        steps_done: r.steps_done,
                        steps: execute::steps(&self.effective(m).up).len(),
                    },
                    Some(r) if r.state == RowState::Reverting => MigrationState::Reverting,
                    Some(r) if crate::baseline::is_baselined(r) => MigrationState::Baselined {
                        at: r.applied_at.clone(),
                    },
                    Some(r) => MigrationState::Applied {
                        at: r.applied_at.clone(),
                        execution_ms: r.execution_ms,
                    },
                };
                StatusEntry {
                    version: m.version,
                    id: m.id.to_string(),
                    state,
                    irreversible: m.down.statements.is_empty(),
                }
            })
            .collect();
        for r in rows.iter().filter(|r| !self.is_known(r.version)) {
            entries.push(StatusEntry {
                version: r.version,
                id: r.id(),
                state: MigrationState::Unknown {
                    at: r.applied_at.clone(),
                },
                irreversible: false,
            });
        }
        entries.sort_by_key(|e| e.version);
        let index_builds = if history_exists {
            self.index_builds(client)?
        } else {
            Vec::new()
        };
        Ok(Status {
            entries,
            index_builds,
            history_exists,
        })
    }

    /// The attempts of `index_build_history` worth showing (one round trip; none before the
    /// first build created the table).
    fn index_builds(&self, client: &mut Client) -> Result<Vec<IndexBuild>, Error> {
        let t = crate::indexing::build_table(&self.names);
        let sql = format!(
            "SELECT migration_id, coalesce(index_name, ''), attempt::text, status, \
             coalesce(message || ' [' || sqlstate || ']', ''), invalid_index_dropped::text, \
             to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
             FROM {t} WHERE status <> 'succeeded' OR attempt > 1 ORDER BY id DESC LIMIT 20"
        );
        let messages = match client.simple_query(&sql) {
            Ok(m) => m,
            Err(e) if history::is_missing_table(&e) => return Ok(Vec::new()),
            Err(e) => return Err(Error::db("reading index_build_history")(e)),
        };
        Ok(history::rows(&messages)
            .map(|r| {
                let get = |i| r.get(i).unwrap_or_default().to_string();
                IndexBuild {
                    migration: get(0),
                    index: Some(get(1)).filter(|s| !s.is_empty()),
                    attempt: get(2).parse().unwrap_or(0),
                    status: get(3),
                    error: Some(get(4)).filter(|s| !s.is_empty()),
                    invalid_index_dropped: get(5) == "true",
                    started_at: get(6),
                }
            })
            .collect())
    }

    /// Dry run: reads the history (no lock, no writes) and returns what `migrate` would do.
    /// Drift is an error here as it is for `migrate`.
    pub fn plan(&self, client: &mut Client) -> Result<Plan, Error> {
        let wanted = self.wanted()?;
        self.summary(client, wanted)?;
        let rows = history::read(client, &self.names)?;
        let creates_history_table = rows.is_none();
        let rows = rows.unwrap_or_default();
        self.check_drift(&rows)?;
        let unknown = self.unknown_rows(&rows)?;
        let history = History::new(&rows);
        let migrations: Vec<PlannedMigration> = wanted
            .iter()
            .filter_map(|m| {
                let from_step = match history.get(m.version) {
                    Some(r) if r.state == RowState::Applied => return None,
                    Some(r) => r.steps_done.max(0) as usize,
                    None => 0,
                };
                Some(planned(self.effective(m), from_step))
            })
            .collect();
        let backup = match migrations.last() {
            Some(last) if !matches!(self.backup, crate::backup::Backup::Skip) => {
                let (database, time) = self.backup_facts(client)?;
                self.backup.describe(&database, &time, &last.id)
            }
            _ => None,
        };
        Ok(Plan {
            backup,
            history_table: self.names.display(),
            creates_history_table,
            lock_timeout: self.settings.lock_timeout,
            statement_timeout: self.settings.statement_timeout,
            lock_retries: self.settings.lock_retries,
            migrations,
            unknown,
        })
    }
}

fn planned(m: &Migration, from_step: usize) -> PlannedMigration {
    let statement = |i: usize| {
        let s = &m.up.statements[i];
        PlannedStatement {
            number: i + 1,
            line: s.line,
            kind: s.kind.label().to_string(),
            sql: m.up.statement_sql(i).to_string(),
        }
    };
    let steps = execute::steps(&m.up)
        .into_iter()
        .map(|step| match step {
            Step::Transaction(range) => PlannedStep {
                in_transaction: true,
                statements: range.map(statement).collect(),
            },
            Step::Outside(i) => PlannedStep {
                in_transaction: false,
                statements: vec![statement(i)],
            },
        })
        .collect();
    PlannedMigration {
        id: m.id.to_string(),
        file: m.up.path.to_string(),
        from_step,
        steps,
    }
}
