//! Seed folders (`db/managed-seeds/*.sql`): reading, naming and checking them.
//!
//! A seed is one SQL file, applied in file-name order, each in its own transaction, and
//! recorded in `seed_history` by the runtime. Seeds get the checks of every SQL file pgshift
//! runs — UTF-8, PostgreSQL's own grammar, no transaction control, no client `COPY` — but not
//! the zero-downtime guardrails, which are about schema changes. What a seed must not contain
//! beyond that: a statement that cannot run inside a transaction (`CREATE INDEX
//! CONCURRENTLY`, `VACUUM`, ...), because a seed is applied and recorded atomically.
//!
//! ```
//! use pgshift_core::{seeds::analyze_seeds_dir, Options};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("001_tenants.sql"), "INSERT INTO tenants (slug) VALUES ('acme');")?;
//! std::fs::write(dir.path().join("002_cases.sql"), "VACUUM cases;")?;
//!
//! let analysis = analyze_seeds_dir(dir.path(), "db/managed-seeds", &Options::default());
//! assert_eq!(analysis.seeds[0].name, "001_tenants");
//! assert_eq!(analysis.diagnostics[0].code, "seed-outside-transaction");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fs;
use std::path::Path;

use crate::analyze::{AnalyzedFile, Options, analyze_file};
use crate::classify::TransactionMode;
use crate::diagnostic::Diagnostic;
use crate::discover::{display_path, folder_error, read_file};
use crate::naming::{self, Direction};
use crate::pg;

/// One analysed seed file.
#[derive(Debug, Clone)]
pub struct AnalyzedSeed {
    /// The file name without `.sql` (`001_demo_tenants`): its key in `seed_history`.
    pub name: String,
    /// The file, parsed and classified.
    pub file: AnalyzedFile,
}

/// A seed folder, analysed.
#[derive(Debug, Clone, Default)]
pub struct SeedAnalysis {
    /// The seeds that passed every check, in file-name order.
    pub seeds: Vec<AnalyzedSeed>,
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
}

impl SeedAnalysis {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Whether `name` (without `.sql`) is a valid seed name: `[a-z0-9_]+`, like migration names.
pub fn is_seed_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Analyses the seed folder `dir`, naming it `display_dir` in messages.
pub fn analyze_seeds_dir(dir: &Path, display_dir: &str, options: &Options) -> SeedAnalysis {
    pg::with_parser_stack(|| {
        let mut analysis = SeedAnalysis::default();
        let diagnostics = &mut analysis.diagnostics;
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                let mut d = folder_error(dir, display_dir, &e);
                d.message = d.message.replacen("migration folder", "seed folder", 1);
                d.help = d.help.map(|h| {
                    h.replace(
                        "embed_migrations!(\"path/to/migrations\")",
                        "embed_seeds!(\"path/to/seeds\")",
                    )
                });
                diagnostics.push(d);
                return analysis;
            }
        };
        let mut names: Vec<(String, std::path::PathBuf)> = entries
            .filter_map(Result::ok)
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .collect();
        names.sort();
        for (file_name, path) in names {
            if naming::is_ignored(&file_name) {
                continue;
            }
            let display = display_path(display_dir, &file_name);
            let stem = file_name.strip_suffix(".sql");
            if path.is_dir() || stem.is_none() {
                diagnostics.push(
                    Diagnostic::new(
                        "stray-file",
                        display,
                        format!("unexpected {} `{file_name}` in the seed folder", if path.is_dir() { "folder" } else { "file" }),
                    )
                    .why("every entry of a seed folder must be a seed, so none is skipped by mistake")
                    .help("move it out of the seed folder (only `*.sql` seeds, `README*` and dotfiles may be there)"),
                );
                continue;
            }
            let name = stem.unwrap_or_default();
            if !is_seed_name(name) {
                let fixed: String = name
                    .to_ascii_lowercase()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                diagnostics.push(
                    Diagnostic::new(
                        "invalid-file-name",
                        display,
                        format!("seed file name `{file_name}` must be `[a-z0-9_]+.sql`"),
                    )
                    .why("the name is the seed's key in `seed_history` and orders the seeds, so it must be unambiguous")
                    .help(format!("rename the file to `{fixed}.sql`")),
                );
                continue;
            }
            let Some(source) = read_file(path, display, diagnostics) else {
                continue;
            };
            let display = source.display.clone();
            let first_new = diagnostics.len();
            let analyzed = analyze_file(source, Direction::Down, options, diagnostics);
            for d in &mut diagnostics[first_new..] {
                speak_of_seeds(d);
            }
            let Some(file) = analyzed else {
                continue;
            };
            if file.statements.is_empty() {
                diagnostics.push(
                    Diagnostic::new(
                        "empty-seed-file",
                        display,
                        "the seed file has no SQL statements",
                    )
                    .why("an empty seed would be recorded as applied while inserting nothing")
                    .help("write the seed's SQL, or delete the file"),
                );
                continue;
            }
            let mut ok = true;
            for s in &file.statements {
                if !matches!(s.class.transaction, TransactionMode::Transactional) {
                    ok = false;
                    let text = &file.source.text;
                    let len = text[s.start..s.end]
                        .find(char::is_whitespace)
                        .unwrap_or(s.end - s.start);
                    let what = match s.class.transaction {
                        TransactionMode::Concurrently { .. } => {
                            format!("{} CONCURRENTLY", s.class.kind.label())
                        }
                        _ => s.class.kind.label().to_string(),
                    };
                    diagnostics.push(
                        Diagnostic::new(
                            "seed-outside-transaction",
                            display.clone(),
                            format!("`{what}` cannot run inside a transaction, and a seed runs in one"),
                        )
                        .at(text, s.start, len)
                        .why("each seed is applied and recorded in `seed_history` in one transaction, so a failure leaves nothing half-seeded")
                        .help("move the statement into a migration (where it runs outside the transaction), or leave it out of the seed"),
                    );
                }
            }
            if ok {
                analysis.seeds.push(AnalyzedSeed {
                    name: name.to_string(),
                    file,
                });
            }
        }
        analysis
    })
}

/// Rewords a diagnostic of the shared file checks, written for migrations, for a seed file.
fn speak_of_seeds(d: &mut Diagnostic) {
    d.message = d.message.replace("in a migration file", "in a seed file");
    if d.code == "transaction-control" {
        d.why = Some(
            "pgshift runs each seed in its own transaction and records it in `seed_history` in the same one; \
             transaction control in the file would end that transaction early or leave it open"
                .into(),
        );
        d.help = Some("remove the statement: the seed already runs in a transaction".into());
    }
    d.why = d
        .why
        .take()
        .map(|w| w.replace("the migration would fail", "the seed would fail"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    fn codes(a: &SeedAnalysis) -> Vec<&str> {
        a.diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn seeds_come_in_file_name_order() {
        let dir = folder(&[
            ("010_b.sql", "SELECT 2;"),
            ("002_a.sql", "SELECT 1;"),
            ("README.md", "notes"),
        ]);
        let a = analyze_seeds_dir(dir.path(), "seeds", &Options::default());
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
        let names: Vec<&str> = a.seeds.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["002_a", "010_b"]);
        assert_eq!(a.seeds[0].file.source.display, "seeds/002_a.sql");
    }

    #[test]
    fn bad_names_stray_files_and_empty_seeds_are_errors() {
        let dir = folder(&[
            ("01-Tenants.sql", "SELECT 1;"),
            ("notes.txt", "x"),
            ("003_empty.sql", "-- nothing\n"),
        ]);
        let a = analyze_seeds_dir(dir.path(), "seeds", &Options::default());
        assert!(a.seeds.is_empty());
        assert_eq!(
            codes(&a),
            ["empty-seed-file", "invalid-file-name", "stray-file"]
        );
        assert_eq!(
            a.diagnostics[1].help.as_deref(),
            Some("rename the file to `01_tenants.sql`")
        );
    }

    #[test]
    fn syntax_errors_and_transaction_control_are_located() {
        let dir = folder(&[("001_x.sql", "INSERT INTO t VALUES (1);\nCOMMIT;\nSELEC 1;")]);
        let a = analyze_seeds_dir(dir.path(), "seeds", &Options::default());
        assert_eq!(codes(&a), ["syntax-error"]);
        assert_eq!(a.diagnostics[0].location(), "seeds/001_x.sql:3:1");
        let dir = folder(&[("001_x.sql", "INSERT INTO t VALUES (1);\nCOMMIT;")]);
        let a = analyze_seeds_dir(dir.path(), "seeds", &Options::default());
        assert_eq!(codes(&a), ["transaction-control"]);
        assert_eq!(a.diagnostics[0].location(), "seeds/001_x.sql:2:1");
        assert_eq!(a.diagnostics[0].message, "`COMMIT` in a seed file");
    }

    #[test]
    fn statements_that_need_autocommit_are_refused_with_their_position() {
        let dir = folder(&[(
            "001_x.sql",
            "INSERT INTO t VALUES (1);\n  CREATE INDEX CONCURRENTLY t_i ON t (i);",
        )]);
        let a = analyze_seeds_dir(dir.path(), "seeds", &Options::default());
        assert_eq!(codes(&a), ["seed-outside-transaction"]);
        assert_eq!(a.diagnostics[0].location(), "seeds/001_x.sql:2:3");
        assert!(a.seeds.is_empty());
    }

    #[test]
    fn guardrails_do_not_apply_to_seeds() {
        let dir = folder(&[("001_x.sql", "DELETE FROM t; DROP TABLE scratch;")]);
        let a = analyze_seeds_dir(dir.path(), "seeds", &Options::default());
        assert!(
            a.diagnostics.iter().all(|d| !d.is_error()),
            "{:?}",
            a.diagnostics
        );
        assert_eq!(a.seeds.len(), 1);
    }

    #[test]
    fn a_missing_folder_names_the_seed_folder() {
        let a = analyze_seeds_dir(
            Path::new("/nonexistent/seeds"),
            "db/seeds",
            &Options::default(),
        );
        assert_eq!(codes(&a), ["missing-folder"]);
        assert!(
            a.diagnostics[0].message.contains("seed folder `db/seeds`"),
            "{}",
            a.diagnostics[0].message
        );
    }
}
