//! The database commands of the built `pgshift` binary against a fresh database: migrate (one
//! line per migration, `--to`, `--dry-run`, the progress bar), status (human and JSON), rollback,
//! test, `-q`/`-v`, and the dev-cluster default when no URL is given.

use std::process::Command;

mod common;

use common::*;
use pgshift_localpg::TestDb;

#[test]
fn migrate_prints_one_line_per_migration_then_status_json_shows_them_applied() {
    let db = TestDb::new();
    let run = pgshift(&db, &["migrate"]).expect(0);
    for id in DEMO_IDS {
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("no line for {id}:\n{}", run.stdout));
        assert!(
            line.starts_with("applied  ") && line.ends_with(" ms"),
            "{line}"
        );
    }
    assert!(
        run.stdout.contains("5 migration(s) applied in "),
        "{}",
        run.stdout
    );
    let run = pgshift(&db, &["migrate"]).expect(0);
    assert_eq!(run.stdout.trim(), "up to date: nothing to apply");

    let status = json(&pgshift(&db, &["status", "--format", "json"]).expect(0));
    assert_eq!(status["history_table_exists"], true);
    assert_eq!(status["summary"]["applied"], 5);
    assert_eq!(status["summary"]["pending"], 0);
    let migrations = status["migrations"].as_array().unwrap();
    let ids: Vec<&str> = migrations
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, DEMO_IDS);
    for m in migrations {
        assert_eq!(m["state"], "applied");
        assert!(m["applied_at"].as_str().unwrap().ends_with('Z'));
        assert!(m["execution_ms"].is_i64());
        assert_eq!(m["irreversible"], false);
        assert!(
            m["id"]
                .as_str()
                .unwrap()
                .starts_with(m["version"].as_str().unwrap())
        );
    }
    assert_eq!(status["index_builds"], serde_json::json!([]));

    let human = pgshift(&db, &["status"]).expect(0);
    assert!(
        human.stdout.contains("5 applied, 0 pending"),
        "{}",
        human.stdout
    );
}

#[test]
fn quiet_prints_nothing_and_verbose_shows_each_step() {
    let db = TestDb::new();
    let run = pgshift(&db, &["migrate", "-q", "--to", DEMO_IDS[0]]).expect(0);
    assert_eq!(run.all(), "");
    let run = pgshift(&db, &["-v", "migrate"]).expect(0);
    assert!(
        run.stderr
            .contains(&format!("  > applied {} in", DEMO_IDS[1])),
        "{}",
        run.stderr
    );
}

#[test]
fn dry_run_changes_nothing() {
    let db = TestDb::new();
    let run = pgshift(&db, &["migrate", "--dry-run"]).expect(0);
    assert!(run.stdout.starts_with("dry run: nothing is executed"));
    assert!(run.stdout.contains("would apply 5 migration(s)"));
    for id in DEMO_IDS {
        assert!(run.stdout.contains(id), "{id}");
    }
    assert!(
        run.stdout.contains("outside a transaction"),
        "{}",
        run.stdout
    );
    assert!(!table_exists(&db, "public.managed_migrations"));
    assert!(!table_exists(&db, "public.tenants"));
}

#[test]
fn migrate_to_then_rollback_steps_and_to() {
    let db = TestDb::new();
    let run = pgshift(&db, &["migrate", "--to", "202412010003"]).expect(0);
    assert!(
        run.stdout.contains("3 migration(s) applied"),
        "{}",
        run.stdout
    );
    let status = json(&pgshift(&db, &["status", "--format", "json"]).expect(0));
    assert_eq!(status["summary"]["applied"], 3);
    assert_eq!(status["summary"]["pending"], 2);

    pgshift(&db, &["migrate"]).expect(0);
    let run = pgshift(&db, &["rollback", "--steps", "2"]).expect(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with(&format!("rolled back  {}", DEMO_IDS[4])));
    assert!(lines[1].starts_with(&format!("rolled back  {}", DEMO_IDS[3])));
    assert!(lines[2].starts_with("2 migration(s) rolled back in "));

    let run = pgshift(&db, &["rollback"]).expect(0);
    assert!(
        run.stdout
            .starts_with(&format!("rolled back  {}", DEMO_IDS[2]))
    );

    let run = pgshift(&db, &["rollback", "--to", DEMO_IDS[0]]).expect(0);
    assert!(
        run.stdout.contains("1 migration(s) rolled back"),
        "{}",
        run.stdout
    );
    let status = json(&pgshift(&db, &["status", "--format", "json"]).expect(0));
    assert_eq!(status["summary"]["applied"], 1);
    assert!(table_exists(&db, "public.tenants"));
    assert!(!table_exists(&db, "public.cases"));

    let run = pgshift(&db, &["rollback", "--to", "299901010000_nothing"]).expect(2);
    assert!(run.stderr.contains("no migration has the id or version"));
    assert!(run.stderr.contains("to fix: "), "{}", run.stderr);
}

#[test]
fn test_runs_the_set_in_a_throwaway_database_and_checks_reversibility() {
    let db = TestDb::new();
    let run = pgshift(&db, &["test", "--reversible"]).expect(0);
    for id in DEMO_IDS {
        assert!(run.stdout.contains(&format!("ok  {id}")), "{}", run.stdout);
        assert!(run.stdout.contains(&format!("reversible  {id}")));
    }
    assert!(
        run.stdout
            .contains("5 migration(s) applied to a throwaway database")
    );
    assert!(!table_exists(&db, "public.managed_migrations"));
    // That the scratch database is dropped is checked by the library's tests (tests/checks.rs);
    // counting them here would race with the other `test` runs of this file.
}

#[test]
fn test_fails_validation_when_a_migration_fails() {
    let db = TestDb::new();
    let dir = folder(&[
        (
            "202501010000_notes.up.sql",
            "ALTER TABLE no_such_table ADD COLUMN note text;",
        ),
        (
            "202501010000_notes.down.sql",
            "ALTER TABLE no_such_table DROP COLUMN note;",
        ),
    ]);
    let run = pgshift(&db, &["test", "--dir", path(&dir)]).expect(3);
    assert!(run.stderr.contains("no_such_table"), "{}", run.stderr);
    assert!(
        run.stderr.contains("error: in the throwaway database (dropped again): migration 202501010000_notes (up) failed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("to fix: fix "), "{}", run.stderr);
    assert!(!table_exists(&db, "public.managed_migrations"));

    let dir = folder(&[
        ("202501010000_t.up.sql", "CREATE TABLE t (id int);"),
        ("202501010000_t.down.sql", "SELECT 1;"),
    ]);
    let run = pgshift(&db, &["test", "--reversible", "--dir", path(&dir)]).expect(3);
    assert!(run.stderr.contains("is not reversible"), "{}", run.stderr);
}

#[test]
fn without_a_url_the_local_dev_cluster_is_used_and_reused() {
    let project = tempfile::tempdir().unwrap();
    let migrations = project.path().join("db/managed-migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    for id in &DEMO_IDS[..2] {
        for direction in ["up", "down"] {
            let name = format!("{id}.{direction}.sql");
            std::fs::copy(
                root().join("db/managed-migrations").join(&name),
                migrations.join(&name),
            )
            .unwrap();
        }
    }
    let cluster_root = pgshift_localpg::cluster::dev_root(project.path());
    let result = std::panic::catch_unwind(|| {
        let run = pgshift_in(project.path(), &["migrate"], &[]).expect(0);
        // The default backup before migrating: in the current directory, named after the
        // database, the UTC time and the target.
        let dumps: Vec<String> = std::fs::read_dir(project.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".dump"))
            .collect();
        assert_eq!(dumps.len(), 1, "{dumps:?}\n{}", run.all());
        assert!(dumps[0].starts_with("pgshift_dev-"), "{dumps:?}");
        assert!(
            run.stdout
                .contains(&format!("backed up to {} before migrating", dumps[0])),
            "{}",
            run.stdout
        );
        assert!(
            run.stderr.contains(&format!(
                "no --database-url, POSTGRES_URL or DATABASE_URL: using the local dev cluster in {}",
                cluster_root.display()
            )),
            "{}",
            run.stderr
        );
        assert!(
            run.stdout.contains("2 migration(s) applied"),
            "{}",
            run.stdout
        );
        // A second command finds the same database.
        let status =
            json(&pgshift_in(project.path(), &["status", "--format", "json"], &[]).expect(0));
        assert_eq!(status["summary"]["applied"], 2);
        // The command that started the cluster stopped it on the way out.
        assert!(!cluster_root.join("data/postmaster.pid").exists());
    });
    let _ = std::fs::remove_dir_all(&cluster_root);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn a_progress_bar_is_drawn_on_a_terminal_only() {
    let db = TestDb::new();
    let files: Vec<(String, String)> = (1..=4)
        .flat_map(|i| {
            [
                (
                    format!("20250101000{i}_t{i}.up.sql"),
                    format!("CREATE TABLE t{i} (id int);"),
                ),
                (
                    format!("20250101000{i}_t{i}.down.sql"),
                    format!("DROP TABLE t{i};"),
                ),
            ]
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = folder(&refs);
    // Not a terminal: no bar, no carriage returns.
    let run = pgshift(
        &db,
        &["migrate", "--dir", path(&dir), "--to", "202501010001"],
    )
    .expect(0);
    assert!(
        !run.all().contains('\r') && !run.all().contains("[#"),
        "{}",
        run.all()
    );
    // A terminal (util-linux `script` gives the command a pseudo-terminal), and 3 to apply:
    // the bar shows from 3 migrations on, or once one runs for a second.
    let command = format!(
        "'{}' migrate --no-backup --dir '{}' --database-url '{}'",
        env!("CARGO_BIN_EXE_pgshift"),
        path(&dir),
        db.url()
    );
    let output = Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .expect("util-linux `script` runs the command on a pseudo-terminal");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("\r\x1b[2K[########################] 3/3"),
        "{text:?}"
    );
    assert!(text.contains("3 migration(s) applied in "), "{text:?}");
}

#[test]
fn schema_and_timeouts_reach_the_migrator() {
    let db = TestDb::new();
    let run = pgshift(
        &db,
        &[
            "migrate",
            "--dry-run",
            "--lock-timeout",
            "750ms",
            "--statement-timeout",
            "2m",
            "--lock-retries",
            "1",
        ],
    )
    .expect(0);
    assert!(
        run.stdout
            .contains("lock_timeout 750 ms and statement_timeout 120000 ms, 1 retries"),
        "{}",
        run.stdout
    );
    pgshift(&db, &["migrate", "--schema", "ops"]).expect(0);
    assert!(table_exists(&db, "ops.managed_migrations"));
    assert!(!table_exists(&db, "public.managed_migrations"));
    let status = json(&pgshift(&db, &["status", "--format", "json", "--schema", "ops"]).expect(0));
    assert_eq!(status["summary"]["applied"], 5);
}
