//! Test mode and the reversibility check: everything inside one transaction that is rolled
//! back, so nothing is left behind.

use postgres::Client;

use crate::error::{Direction, Error};
use std::ops::Range;

use crate::execute::{Job, transactional_slice};
use crate::history::rows;
use crate::locate;
use crate::migration::{Migration, Script, TransactionMode};
use crate::migrator::Migrator;
use crate::sql::line_col;
use crate::sql::millis;

/// What [`Migrator::test`] checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TestReport {
    /// Migrations run (then rolled back), in order.
    pub tested: Vec<String>,
    /// Statements skipped because they have no transactional form (`VACUUM`, ...):
    /// `(migration id, 1-based statement number)`.
    pub skipped: Vec<(String, usize)>,
}

impl std::fmt::Display for TestReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.tested.is_empty() {
            return write!(f, "nothing to test: no pending migrations");
        }
        write!(
            f,
            "{} pending migration(s) ran in one transaction and were rolled back:",
            self.tested.len()
        )?;
        for id in &self.tested {
            write!(f, "\n  ok  {id}")?;
        }
        for (id, n) in &self.skipped {
            write!(
                f,
                "\n  skipped statement {n} of {id}: it cannot run inside a transaction"
            )?;
        }
        Ok(())
    }
}

impl Migrator<'_> {
    /// Test mode: runs every pending migration inside one transaction, then rolls it all back.
    /// Statements that need autocommit run in their transactional form (`CREATE INDEX` for
    /// `CREATE INDEX CONCURRENTLY`); ones without such a form (`VACUUM`) are skipped and
    /// listed. The first failure is reported with its migration, statement and position.
    /// Holds the migration lock meanwhile: the DDL takes real locks even though it is undone.
    pub fn test(&self, client: &mut Client) -> Result<TestReport, Error> {
        let (mut guard, pending) = self.lock_for_check(client)?;
        one_transaction_can_hold(&pending)?;
        let mut report = TestReport::default();
        self.in_rolled_back_transaction(&mut guard, |client| {
            for m in &pending {
                let skipped = self.run_transactional(client, m, &m.up, Direction::Up)?;
                report
                    .skipped
                    .extend(skipped.into_iter().map(|i| (m.id.to_string(), i + 1)));
                report.tested.push(m.id.to_string());
            }
            Ok(())
        })?;
        Ok(report)
    }

    /// Checks that every pending migration's down file undoes its up file: for each, in order,
    /// inside one transaction that is rolled back at the end, snapshot the schema, run up, run
    /// down, compare with the snapshot, then run up again for the next migration. Returns the
    /// ids checked, or [`Error::NotReversible`] with the first difference.
    pub fn check_reversible(&self, client: &mut Client) -> Result<Vec<String>, Error> {
        let (mut guard, pending) = self.lock_for_check(client)?;
        one_transaction_can_hold(&pending)?;
        let mut checked = Vec::new();
        self.in_rolled_back_transaction(&mut guard, |client| {
            for m in &pending {
                let before = snapshot(client)?;
                self.run_transactional(client, m, &m.up, Direction::Up)?;
                self.run_transactional(client, m, &m.down, Direction::Down)?;
                let after = snapshot(client)?;
                if let Some(difference) = first_difference(&before, &after) {
                    return Err(Error::NotReversible {
                        id: m.id.to_string(),
                        file: m.down.path.to_string(),
                        difference,
                    });
                }
                self.run_transactional(client, m, &m.up, Direction::Up)?;
                checked.push(m.id.to_string());
            }
            Ok(())
        })?;
        Ok(checked)
    }

    /// Test mode with the real semantics: creates a throwaway database on the server of `url`
    /// (its user needs `CREATEDB`), applies the whole set to it one transaction per migration
    /// exactly as [`Migrator::migrate`] does, then drops it. Unlike [`Migrator::test`] this
    /// starts from an empty database, not from the schema of `url`'s database; it works for
    /// sets that one transaction cannot hold (an enum value added, then used).
    pub fn test_in_scratch_database(&self, url: &str) -> Result<TestReport, Error> {
        self.in_scratch_database(url, |migrator, client| {
            let report = migrator.migrate(client)?;
            Ok(TestReport {
                tested: report.applied.into_iter().map(|a| a.id).collect(),
                skipped: Vec::new(),
            })
        })
    }

    /// The reversibility check with the real semantics, on a throwaway database as in
    /// [`Migrator::test_in_scratch_database`]: for each migration in order, applies it, rolls
    /// it back, compares the schema with the one before, and applies it again; every step
    /// commits. Returns the ids checked.
    pub fn check_reversible_in_scratch_database(&self, url: &str) -> Result<Vec<String>, Error> {
        self.in_scratch_database(url, |migrator, client| {
            // pgshift's own tables appear with the first migration (the history) or the first
            // concurrent index build (its attempts): not part of the comparison.
            let own = [
                format!(" {}", migrator.names.display()),
                format!(
                    " {}.{}",
                    migrator.names.schema,
                    crate::indexing::BUILD_TABLE
                ),
            ];
            let schema = |client: &mut Client| -> Result<Vec<String>, Error> {
                let mut lines = snapshot(client)?;
                lines.retain(|l| !own.iter().any(|t| l.contains(t.as_str())));
                Ok(lines)
            };
            let mut checked = Vec::new();
            for m in migrator.wanted()? {
                let before = schema(client)?;
                let one = migrator.clone().target(m.id.to_string());
                one.migrate(client)?;
                one.rollback(client, crate::migrator::Rollback::Steps(1))?;
                if let Some(difference) = first_difference(&before, &schema(client)?) {
                    return Err(Error::NotReversible {
                        id: m.id.to_string(),
                        file: m.down.path.to_string(),
                        difference,
                    });
                }
                one.migrate(client)?;
                checked.push(m.id.to_string());
            }
            Ok(checked)
        })
    }

    fn in_scratch_database<T>(
        &self,
        url: &str,
        body: impl FnOnce(&Migrator<'_>, &mut Client) -> Result<T, Error>,
    ) -> Result<T, Error> {
        use std::time::{SystemTime, UNIX_EPOCH};
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("pgshift_scratch_{}_{nanos}", std::process::id());
        let scratch_error = |source: Error| Error::Scratch {
            name: name.clone(),
            target: crate::error::redact(url),
            source: Box::new(source),
        };
        let mut admin = crate::connect::connect(url)?;
        admin
            .simple_query(&format!("CREATE DATABASE \"{name}\""))
            .map_err(|e| scratch_error(Error::db("creating it")(e)))?;
        let result = crate::connect::connect_to(url, Some(&name))
            .and_then(|mut client| body(self, &mut client));
        let dropped = admin
            .simple_query(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .map_err(|e| scratch_error(Error::db("dropping it")(e)));
        // The body's error matters more than a failed drop.
        let value = result?;
        dropped?;
        Ok(value)
    }

    fn in_rolled_back_transaction(
        &self,
        client: &mut Client,
        body: impl FnOnce(&mut Client) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let settings = self.settings();
        client
            .simple_query(&format!(
                "BEGIN; SET LOCAL lock_timeout = {}; SET LOCAL statement_timeout = {}",
                millis(settings.lock_timeout),
                millis(settings.statement_timeout)
            ))
            .map_err(Error::db("starting the test transaction"))?;
        let result = body(client);
        let rolled_back = client
            .simple_query("ROLLBACK")
            .map_err(Error::db("rolling the test transaction back"));
        // The body's own error matters more than a failed ROLLBACK (the connection is gone
        // then, and the server rolls back anyway).
        result.and(rolled_back.map(|_| ()))
    }

    /// Runs a whole script in its transactional form inside the open transaction. Returns the
    /// indices of skipped statements.
    fn run_transactional(
        &self,
        client: &mut Client,
        m: &Migration,
        script: &Script,
        direction: Direction,
    ) -> Result<Vec<usize>, Error> {
        let job = self.job(m, script, direction);
        let mut skipped = Vec::new();
        let mut from = 0;
        let n = script.statements.len();
        for i in 0..=n {
            let concurrent = match script.statements.get(i).map(|s| &s.transaction) {
                Some(TransactionMode::Concurrently { transactional_sql }) => {
                    Some(transactional_sql)
                }
                Some(_) => continue,
                None => None,
            };
            if from < i {
                skipped.extend(self.run_slice(client, &job, from..i)?);
            }
            if let Some(sql) = concurrent {
                run_rewritten(client, &job, i, sql)?;
            }
            from = i + 1;
        }
        Ok(skipped)
    }

    /// Runs statements `range` of the job's script, none of them concurrent, in one message.
    fn run_slice(
        &self,
        client: &mut Client,
        job: &Job<'_>,
        range: Range<usize>,
    ) -> Result<Vec<usize>, Error> {
        let script = job.script;
        let (start, text, skipped) = transactional_slice(script, &range);
        // The savepoint keeps the outer transaction usable to find the failing statement.
        const PREFIX: &str = "SAVEPOINT pgshift_check;\n";
        let batch = format!("{PREFIX}{text}");
        let Err(e) = client.simple_query(&batch) else {
            return Ok(skipped);
        };
        let _ = client.simple_query("ROLLBACK TO SAVEPOINT pgshift_check");
        let sent = locate::Sent {
            batch: &batch,
            prefix_len: PREFIX.len(),
            slice_start: start,
            slice_len: text.len(),
        };
        let statement = match locate::position_in_script(&e, &sent) {
            Some(offset) => {
                let i = locate::statement_at(script, &range, offset);
                return Err(Error::Migration(locate::fail(
                    job,
                    &e,
                    Some(i),
                    Some(line_col(&script.sql, offset)),
                    1,
                )));
            }
            None if range.len() == 1 => Some(range.start),
            None => {
                // No position from the server: replay statement by statement to find it.
                let failed = range.clone().find(|&i| {
                    let s = &script.statements[i];
                    client
                        .simple_query(&text[s.start as usize - start..s.end as usize - start])
                        .is_err()
                });
                let _ = client.simple_query("ROLLBACK TO SAVEPOINT pgshift_check");
                failed
            }
        };
        let position = statement.map(|i| (script.statements[i].line, script.statements[i].column));
        Err(Error::Migration(locate::fail(
            job, &e, statement, position, 1,
        )))
    }
}

/// Runs the transactional form of concurrent statement `i` on its own. Positions inside that
/// text do not map to the file, so an error points at the statement's start.
fn run_rewritten(client: &mut Client, job: &Job<'_>, i: usize, sql: &str) -> Result<(), Error> {
    let Err(e) = client.simple_query(&format!("SAVEPOINT pgshift_check;\n{sql}")) else {
        return Ok(());
    };
    let _ = client.simple_query("ROLLBACK TO SAVEPOINT pgshift_check");
    let s = &job.script.statements[i];
    Err(Error::Migration(locate::fail(
        job,
        &e,
        Some(i),
        Some((s.line, s.column)),
        1,
    )))
}

/// Refuses a pending set in which a migration uses an enum value that it or an earlier
/// pending migration adds: one transaction cannot hold both.
fn one_transaction_can_hold(pending: &[&Migration]) -> Result<(), Error> {
    for (i, m) in pending.iter().enumerate() {
        for u in m.enum_value_uses.iter() {
            if let Some(adder) = pending[..=i].iter().find(|p| p.version == u.added_in) {
                return Err(Error::EnumValueInOneTransaction {
                    added_by: adder.id.to_string(),
                    used_by: m.id.to_string(),
                    value: u.value.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// A sorted description of the user-visible schema: relations, columns, indexes,
/// constraints, views, functions, types, triggers, schemas and extensions.
const SNAPSHOT_SQL: &str = r#"
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp%'
)
SELECT line FROM (
  SELECT 'schema ' || nspname AS line FROM ns
  UNION ALL
  SELECT 'relation ' || ns.nspname || '.' || c.relname || ' (' || c.relkind::text || ')'
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'i', 'I', 'c')
  UNION ALL
  SELECT 'column ' || ns.nspname || '.' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
         || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
  UNION ALL
  SELECT 'index ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT 'constraint ' || ns.nspname || '.' || cl.relname || '.' || co.conname || ' ' || pg_get_constraintdef(co.oid)
    FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN ns ON ns.oid = cl.relnamespace
  UNION ALL
  SELECT 'view ' || ns.nspname || '.' || c.relname || ' ' || md5(pg_get_viewdef(c.oid))
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
  UNION ALL
  SELECT 'function ' || ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || md5(p.prosrc)
    FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
  UNION ALL
  SELECT 'type ' || ns.nspname || '.' || t.typname || ' (' || t.typtype::text || ')'
         || coalesce(' ' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
    FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype IN ('e', 'd', 'r')
  UNION ALL
  SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN ns ON ns.oid = c.relnamespace WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'extension ' || extname FROM pg_extension
) s ORDER BY line
"#;

fn snapshot(client: &mut Client) -> Result<Vec<String>, Error> {
    let messages = client
        .simple_query(SNAPSHOT_SQL)
        .map_err(Error::db("reading the schema"))?;
    let mut lines: Vec<String> = rows(&messages)
        .map(|r| r.get(0).unwrap_or_default().to_string())
        .collect();
    lines.sort();
    Ok(lines)
}

fn first_difference(before: &[String], after: &[String]) -> Option<String> {
    if let Some(extra) = after.iter().find(|l| before.binary_search(l).is_err()) {
        return Some(format!(
            "{extra} is left behind (the down file does not undo it)"
        ));
    }
    before
        .iter()
        .find(|l| after.binary_search(l).is_err())
        .map(|missing| {
            format!("{missing} is gone (the down file removes something the up file did not add)")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difference_names_what_is_left_behind_first() {
        let before = vec!["a".to_string(), "c".to_string()];
        let after = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            first_difference(&before, &after).unwrap(),
            "b is left behind (the down file does not undo it)"
        );
        assert!(first_difference(&before, &before).is_none());
    }
}
