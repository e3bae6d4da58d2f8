//! Taking over from another tool: reading the history table of diesel, sqlx or refinery and
//! recording the same migrations in pgshift's history, so an existing database continues
//! exactly where the old tool stopped. The old table is only read.

use std::collections::HashMap;

use postgres::Client;

use crate::baseline::BaselineReport;
use crate::error::Error;
use crate::history;
use crate::migrator::Migrator;

/// A migration tool whose history pgshift can import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtherTool {
    /// diesel_migrations: `__diesel_schema_migrations (version varchar, run_on timestamp)`.
    Diesel,
    /// sqlx: `_sqlx_migrations (version bigint, ..., success boolean, ...)`; failed rows are skipped.
    Sqlx,
    /// refinery: `refinery_schema_history (version int4, name, applied_on, checksum)`.
    Refinery,
}

impl OtherTool {
    /// Its history table.
    pub fn table(self) -> &'static str {
        match self {
            OtherTool::Diesel => "__diesel_schema_migrations",
            OtherTool::Sqlx => "_sqlx_migrations",
            OtherTool::Refinery => "refinery_schema_history",
        }
    }

    fn versions_sql(self) -> &'static str {
        match self {
            OtherTool::Diesel => {
                "SELECT version::text FROM __diesel_schema_migrations ORDER BY version"
            }
            OtherTool::Sqlx => {
                "SELECT version::text FROM _sqlx_migrations WHERE success ORDER BY version"
            }
            OtherTool::Refinery => {
                "SELECT version::text FROM refinery_schema_history ORDER BY version"
            }
        }
    }

    /// Parses `diesel`, `sqlx` or `refinery`.
    pub fn from_name(name: &str) -> Option<OtherTool> {
        match name.to_ascii_lowercase().as_str() {
            "diesel" => Some(OtherTool::Diesel),
            "sqlx" => Some(OtherTool::Sqlx),
            "refinery" => Some(OtherTool::Refinery),
            _ => None,
        }
    }
}

impl Migrator<'_> {
    /// Records in pgshift's history every migration the other tool's history table lists as
    /// applied, without running them, in one transaction under the migration lock. `map`
    /// pairs the tool's versions with pgshift versions (the `.pgshift-converted.tsv` that
    /// `pgshift convert` writes); empty, a version maps to the same number.
    ///
    /// Refused, changing nothing, when the old table is missing, when it lists a version
    /// the map or this migration set does not have, or when pgshift's history disagrees with
    /// the set (as for [`Migrator::baseline`]). Rows already in pgshift's history are left
    /// alone, so importing twice changes nothing. `status` shows imported rows as
    /// `baselined`.
    pub fn import_history(
        &self,
        client: &mut Client,
        tool: OtherTool,
        map: &[(String, i64)],
    ) -> Result<BaselineReport, Error> {
        let import = |what: String| Error::Import {
            tool: tool.table(),
            what,
        };
        let sources: Vec<String> = match client.simple_query(tool.versions_sql()) {
            Ok(messages) => history::rows(&messages)
                .map(|r| r.get(0).unwrap_or_default().to_string())
                .collect(),
            Err(e) if history::is_missing_table(&e) => {
                return Err(import("the table does not exist in this database (wrong database, or another schema on the search_path?)".into()));
            }
            Err(e) => return Err(Error::db("reading the other tool's history")(e)),
        };
        let by_source: HashMap<String, i64> = map.iter().map(|(s, v)| (digits(s), *v)).collect();
        let mut versions = Vec::with_capacity(sources.len());
        let mut unmapped = Vec::new();
        for source in &sources {
            let key = digits(source);
            let version = if map.is_empty() {
                key.parse().ok()
            } else {
                by_source.get(&key).copied()
            };
            match version.filter(|v| self.is_known(*v)) {
                Some(v) => versions.push(v),
                None => unmapped.push(source.clone()),
            }
        }
        if !unmapped.is_empty() {
            return Err(import(format!(
                "it lists {} applied migration(s) this set does not have: {}; convert the folder the database was \
                 migrated from (`pgshift convert`), and pass its `.pgshift-converted.tsv`",
                unmapped.len(),
                crate::error::capped(&unmapped)
            )));
        }

        let report = self.record_without_running(
            client,
            self.migrations.as_slice(),
            |m| versions.contains(&m.version),
            false,
            "recording the imported history",
        )?;
        log::info!(
            "imported {} migration(s) from {}",
            report.baselined.len(),
            tool.table()
        );
        Ok(report)
    }
}

/// A version's digits (`2023-01-02-030405` → `20230102030405`).
fn digits(version: &str) -> String {
    version.chars().filter(char::is_ascii_digit).collect()
}
