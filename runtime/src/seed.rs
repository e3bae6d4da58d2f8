//! Tracked seeds: `db/managed-seeds/*.sql`, embedded by [`embed_seeds!`](crate::embed_seeds)
//! (or loaded from disk), applied by [`Migrator::seed`] in file-name order, each in its own
//! transaction with the migration timeouts, and recorded in `seed_history` in that same
//! transaction, under the migration lock.
//!
//! A seed runs once: one already recorded with the same checksum is skipped, so seeding twice
//! changes nothing. One whose file changed since is an error naming it, unless the caller asks
//! to re-run changed seeds ([`Migrator::rerun_changed_seeds`]). Seeds never run with
//! migrations, and are refused while migrations are pending: they are written for the
//! migrated schema.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use postgres::Client;

use crate::error::{Direction, Error};
use crate::history::{self, Names, RowState};
use crate::lock::LockGuard;
use crate::migration::{Migration, Script};
use crate::migrator::{History, Migrator, read_only_session};
use crate::sql::ident;

/// One seed file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Seed {
    /// The file name without `.sql` (`001_demo_tenants`): its key in `seed_history`.
    pub name: Cow<'static, str>,
    /// The file.
    pub script: Script,
}

impl Seed {
    /// A seed built at run time (the loader; the macro uses the const constructor).
    pub fn new(name: String, script: Script) -> Self {
        Seed {
            name: Cow::Owned(name),
            script,
        }
    }

    #[doc(hidden)]
    pub const fn __new(name: &'static str, script: Script) -> Self {
        Seed {
            name: Cow::Borrowed(name),
            script,
        }
    }

    /// What `seed_history` records and compares: the tokens checksum of the file, so
    /// comment-only and layout-only edits are not changes.
    // Not a getter of `script.checksum` (the byte checksum): the name is the history's column.
    #[allow(clippy::misnamed_getters)]
    pub fn checksum(&self) -> &str {
        &self.script.tokens_checksum
    }

    /// Whether a recorded checksum is this seed's.
    fn matches_checksum(&self, recorded: &str) -> bool {
        recorded == self.script.tokens_checksum || recorded == self.script.checksum
    }

    /// A migration-shaped view of the seed, for the script runner.
    fn as_job_subject(&self) -> Migration {
        let empty = Script::__new("", "", "", "", &[]);
        Migration::new(
            0,
            self.name.to_string(),
            self.name.to_string(),
            self.script.clone(),
            empty,
        )
    }
}

/// The seeds of a folder in file-name order, usually
/// `static SEEDS: pgshift::Seeds = pgshift::embed_seeds!();`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seeds {
    list: Cow<'static, [Seed]>,
}

impl Seeds {
    #[doc(hidden)]
    pub const fn __new(list: &'static [Seed]) -> Self {
        Seeds {
            list: Cow::Borrowed(list),
        }
    }

    /// A set of seeds built at run time (sorted by name here).
    pub fn from_vec(mut list: Vec<Seed>) -> Self {
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Seeds {
            list: Cow::Owned(list),
        }
    }

    /// The seeds in the order they are applied.
    pub fn as_slice(&self) -> &[Seed] {
        &self.list
    }

    /// Iterates in the order they are applied.
    pub fn iter(&self) -> std::slice::Iter<'_, Seed> {
        self.list.iter()
    }

    /// How many seeds the set holds.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The seed called `name`.
    pub fn find(&self, name: &str) -> Option<&Seed> {
        self.list.iter().find(|s| s.name == name)
    }
}

impl Default for Seeds {
    /// No seeds.
    fn default() -> Self {
        Seeds::__new(&[])
    }
}

impl<'a> IntoIterator for &'a Seeds {
    type Item = &'a Seed;
    type IntoIter = std::slice::Iter<'a, Seed>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// One seed applied by [`Migrator::seed`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppliedSeed {
    /// The seed's name.
    pub name: String,
    /// How long it took.
    pub duration: Duration,
    /// Whether it had been applied before with other contents and ran again
    /// ([`Migrator::rerun_changed_seeds`]).
    pub rerun: bool,
}

/// What [`Migrator::seed`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeedReport {
    /// Seeds applied in this run, in order.
    pub applied: Vec<AppliedSeed>,
    /// Seeds already applied with the same contents, left alone.
    pub skipped: Vec<String>,
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.applied {
            let again = if s.rerun { " (changed, ran again)" } else { "" };
            writeln!(
                f,
                "seeded {} in {} ms{again}",
                s.name,
                s.duration.as_millis()
            )?;
        }
        match (self.applied.len(), self.skipped.len()) {
            (0, 0) => write!(f, "no seeds"),
            (0, skipped) => write!(f, "nothing to seed: {skipped} seed(s) already applied"),
            (applied, skipped) => write!(
                f,
                "{applied} seed(s) applied, {skipped} already applied before"
            ),
        }
    }
}

/// A row of `seed_history`.
struct SeedRow {
    name: String,
    checksum: String,
}

/// DDL creating the seed history table (idempotent).
fn create_sql(names: &Names) -> String {
    let schema = if names.schema == "public" {
        String::new()
    } else {
        format!("CREATE SCHEMA IF NOT EXISTS {};\n", ident(&names.schema))
    };
    format!(
        "{schema}CREATE TABLE IF NOT EXISTS {t} (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    execution_ms bigint NOT NULL DEFAULT 0,
    applied_by text NOT NULL DEFAULT current_user,
    runs integer NOT NULL DEFAULT 1,
    pgshift_version text NOT NULL
);\n",
        t = names.seeds_qualified
    )
}

impl<'m> Migrator<'m> {
    /// Applies the seeds not applied yet, in order, each in its own transaction with the
    /// migration timeouts and its `seed_history` row, under the migration lock.
    ///
    /// Refused while migrations of this migrator are pending ([`Error::SeedsBeforeMigrations`]),
    /// and when a seed changed since it was applied ([`Error::SeedChanged`], checked for every
    /// seed before any runs) unless [`Migrator::rerun_changed_seeds`] is on. A failing seed
    /// rolls back that seed only and stops: the error names its file, statement and line.
    ///
    /// ```no_run
    /// static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("../db/managed-migrations");
    /// static SEEDS: pgshift::Seeds = pgshift::embed_seeds!("../db/managed-seeds");
    ///
    /// let mut client = pgshift::connect_from_env()?;
    /// let migrator = pgshift::Migrator::new(&MIGRATIONS);
    /// migrator.migrate(&mut client)?;
    /// println!("{}", migrator.seed(&mut client, &SEEDS)?);
    /// # Ok::<(), pgshift::Error>(())
    /// ```
    pub fn seed(&self, client: &mut Client, seeds: &Seeds) -> Result<SeedReport, Error> {
        let wanted = self.wanted()?;
        let exists = self.summary(client, wanted)?.is_some();
        let read = format!(
            "{}SELECT 'pgshift:seed', name, checksum FROM {} ORDER BY name;{}",
            create_sql(&self.names),
            self.names.seeds_qualified,
            if exists {
                self.names.select_sql()
            } else {
                String::new()
            }
        );
        let (mut guard, messages) =
            LockGuard::acquire(client, self.lock_key(), self.advisory_lock_timeout, &read)
                .map_err(read_only_session)?;
        let seed_rows: Vec<SeedRow> = history::rows(&messages)
            .filter(|r| r.len() == 3 && r.get(0) == Some("pgshift:seed"))
            .map(|r| SeedRow {
                name: r.get(1).unwrap_or_default().to_string(),
                checksum: r.get(2).unwrap_or_default().to_string(),
            })
            .collect();
        let history_rows = if exists {
            history::history_rows(&messages)
        } else {
            Vec::new()
        };
        self.check_drift(&history_rows)?;
        let history = History::new(&history_rows);
        let pending: Vec<String> = wanted
            .iter()
            .filter(|m| {
                history
                    .get(m.version)
                    .is_none_or(|r| r.state != RowState::Applied)
            })
            .map(|m| m.id.to_string())
            .collect();
        if !pending.is_empty() {
            return Err(Error::SeedsBeforeMigrations { pending });
        }

        let recorded: HashMap<&str, &str> = seed_rows
            .iter()
            .map(|r| (r.name.as_str(), r.checksum.as_str()))
            .collect();
        let mut report = SeedReport::default();
        let mut to_run = Vec::new();
        let mut changed = Vec::new();
        for seed in seeds {
            match recorded.get(seed.name.as_ref()) {
                Some(sum) if seed.matches_checksum(sum) => {
                    report.skipped.push(seed.name.to_string())
                }
                Some(_) => {
                    changed.push(seed.name.to_string());
                    to_run.push((seed, true));
                }
                None => to_run.push((seed, false)),
            }
        }
        if !changed.is_empty() && !self.rerun_changed_seeds {
            return Err(Error::SeedChanged(changed));
        }
        for (seed, rerun) in to_run {
            let subject = seed.as_job_subject();
            let job = self.job(&subject, &subject.up, Direction::Seed);
            match job.run(&mut guard, 0, false) {
                Ok(outcome) => {
                    log::info!(
                        "seeded {} in {} ms",
                        seed.name,
                        outcome.duration.as_millis()
                    );
                    report.applied.push(AppliedSeed {
                        name: seed.name.to_string(),
                        duration: outcome.duration,
                        rerun,
                    });
                }
                Err(mut e) => {
                    e.completed_before = report.applied.iter().map(|a| a.name.clone()).collect();
                    log::error!("{e}");
                    return Err(Error::Migration(e));
                }
            }
        }
        Ok(report)
    }

    /// Whether [`Migrator::seed`] runs seeds whose file changed since they were applied again
    /// (and updates their `seed_history` row) instead of refusing. Default: off — a seed runs
    /// once, and a changed one is usually a mistake (new rows belong in a new seed file).
    pub fn rerun_changed_seeds(mut self, rerun: bool) -> Self {
        self.rerun_changed_seeds = rerun;
        self
    }
}
