//! End to end: the built `pgshift` binary against a real PostgreSQL (a fresh database per test
//! from the shared harness), every subcommand and every error path, exit codes included.

use std::path::{Path, PathBuf};
use std::process::Command;

use pgshift_localpg::TestDb;
use serde_json::Value;

/// The workspace root, where the demo set `db/managed-migrations` lives.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `pgshift` in `cwd` with no database variables and no colours.
fn pgshift_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgshift"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("POSTGRES_URL")
        .env_remove("DATABASE_URL")
        .env_remove("ALLOW_BREAKING_MIGRATIONS")
        .env_remove("INDEX_CONCURRENT")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("running pgshift");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `pgshift` in the workspace root against `db`.
fn pgshift(db: &TestDb, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--database-url", db.url()]);
    pgshift_in(&root(), &all, &[])
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr))
}

const DEMO_IDS: [&str; 5] = [
    "202412010001_create_tenants",
    "202412010002_create_cases",
    "202412010003_create_case_notes",
    "202412010004_index_active_cases",
    "202412010005_add_case_priority",
];

/// A folder with the given files.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql).unwrap();
    }
    dir
}

/// A copy of the demo set.
fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("db/managed-migrations")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

fn path(dir: &tempfile::TempDir) -> &str {
    dir.path().to_str().unwrap()
}

fn table_exists(db: &TestDb, table: &str) -> bool {
    db.connect()
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
        .unwrap()
        .get(0)
}

/// A free TCP port nothing listens on.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

const BREAKING: &[(&str, &str)] = &[
    (
        "202501010000_cases.up.sql",
        "ALTER TABLE cases DROP COLUMN title;",
    ),
    (
        "202501010000_cases.down.sql",
        "ALTER TABLE cases ADD COLUMN title text;",
    ),
    ("202501020000_orphan.up.sql", "SELECT 1;"),
];

#[test]
fn lint_passes_on_the_demo_set() {
    let run = pgshift_in(&root(), &["lint"], &[]).expect(0);
    assert!(
        run.stdout
            .contains("ok db/managed-migrations: 5 migration(s), no errors"),
        "{}",
        run.all()
    );
    let run = pgshift_in(&root(), &["lint", "--format", "json"], &[]).expect(0);
    assert_eq!(json(&run), serde_json::json!({"findings": []}));
}

#[test]
fn lint_reports_like_a_compiler_and_exits_3() {
    let dir = folder(BREAKING);
    let run = pgshift_in(&root(), &["lint", path(&dir)], &[]).expect(3);
    let file = format!("{}/202501010000_cases.up.sql:1:19", path(&dir));
    assert!(
        run.stderr.contains("error[drop-column]: "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("--> {file}")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("= help: "), "{}", run.stderr);
    assert!(
        run.stderr.contains("error[missing-down-file]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("error: 2 error(s)"), "{}", run.stderr);
}

#[test]
fn lint_json_has_the_contract_fields() {
    let dir = folder(BREAKING);
    let run = pgshift_in(&root(), &["lint", "--format", "json", path(&dir)], &[]).expect(3);
    let findings = json(&run)["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 2, "{findings:?}");
    let drop = findings
        .iter()
        .find(|f| f["rule"] == "drop-column")
        .unwrap();
    assert_eq!(
        drop["file"],
        format!("{}/202501010000_cases.up.sql", path(&dir))
    );
    assert_eq!(drop["line"], 1);
    assert_eq!(drop["column"], 19);
    assert_eq!(drop["severity"], "error");
    assert!(drop["message"].as_str().unwrap().contains("title"));
    assert!(drop["help"].is_string());
    let orphan = findings
        .iter()
        .find(|f| f["rule"] == "missing-down-file")
        .unwrap();
    assert!(orphan["line"].is_null() && orphan["column"].is_null());
    for key in [
        "file", "line", "column", "rule", "severity", "message", "help",
    ] {
        assert!(
            findings.iter().all(|f| f.get(key).is_some()),
            "every finding has {key}"
        );
    }
}

#[test]
fn lint_github_annotates_the_lines() {
    let dir = folder(BREAKING);
    let run = pgshift_in(&root(), &["lint", "--format", "github", path(&dir)], &[]).expect(3);
    let expected = format!(
        "::error file={}/202501010000_cases.up.sql,line=1,col=19,title=pgshift drop-column::",
        path(&dir)
    );
    assert!(
        run.stdout.lines().any(|l| l.starts_with(&expected)),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.lines().all(|l| l.starts_with("::error ")),
        "{}",
        run.stdout
    );
}

#[test]
fn lint_reads_allow_breaking_migrations_from_the_environment() {
    let dir = folder(&BREAKING[..2]);
    pgshift_in(&root(), &["lint", path(&dir)], &[]).expect(3);
    pgshift_in(
        &root(),
        &["lint", path(&dir)],
        &[("ALLOW_BREAKING_MIGRATIONS", "true")],
    )
    .expect(0);
}

#[test]
fn a_missing_folder_says_to_run_init() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["lint"][..],
        &["status", "--database-url", "postgres://h/db"],
    ] {
        let run = pgshift_in(dir.path(), args, &[]).expect(3);
        assert!(
            run.stderr
                .contains("error: there is no migration folder db/managed-migrations"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("to fix: run `pgshift init`"));
    }
}

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
fn usage_errors_exit_2() {
    let db = TestDb::new();
    pgshift(&db, &["rollback", "--steps", "1", "--to", "x"]).expect(2);
    pgshift(&db, &["rollback", "--steps", "0"]).expect(2);
    pgshift(&db, &["status", "--format", "xml"]).expect(2);
    pgshift(&db, &["migrate", "--lock-timeout", "5"]).expect(2);
    pgshift(&db, &["frobnicate"]).expect(2);
    let run = pgshift(&db, &["migrate", "--to", "nope"]).expect(2);
    assert!(run.stderr.contains("`nope`"), "{}", run.stderr);
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
fn guardrail_errors_stop_database_commands_before_connecting() {
    let dir = folder(&BREAKING[..2]);
    let url = format!("postgres://app:s3cret@127.0.0.1:{}/db", dead_port());
    let run = pgshift_in(
        &root(),
        &["migrate", "--dir", path(&dir), "--database-url", &url],
        &[],
    )
    .expect(3);
    assert!(run.stderr.contains("error[drop-column]"), "{}", run.stderr);
    assert!(run.stderr.contains("1 error(s); nothing was run"));
    assert!(!run.stderr.contains("cannot reach"));
}

#[test]
fn drift_is_refused_with_what_to_do() {
    let db = TestDb::new();
    let dir = demo_copy();
    pgshift(&db, &["migrate", "--dir", path(&dir)]).expect(0);
    let file = dir.path().join("202412010001_create_tenants.up.sql");
    let mut sql = std::fs::read_to_string(&file).unwrap();
    sql.push_str("\nCREATE TABLE sneaked_in (id int);\n");
    std::fs::write(&file, sql).unwrap();
    let run = pgshift(&db, &["migrate", "--dir", path(&dir)]).expect(3);
    assert!(
        run.stderr.contains(
            "error: 1 applied migration(s) changed since they ran: 202412010001_create_tenants; nothing was run"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("to fix: restore the files"));
    let status =
        json(&pgshift(&db, &["status", "--format", "json", "--dir", path(&dir)]).expect(0));
    assert_eq!(status["summary"]["drift"], 1);
    assert_eq!(status["migrations"][0]["state"], "drift");
}

#[test]
fn a_bad_url_is_a_usage_error_without_the_password() {
    let run = pgshift_in(
        &root(),
        &[
            "status",
            "--database-url",
            "postgres://app:s3cret@127.0.0.1:notaport/db",
        ],
        &[],
    )
    .expect(2);
    assert!(run.stderr.contains("is not valid"), "{}", run.stderr);
    assert!(run.stderr.contains("to fix: write it as postgres://"));
    assert!(!run.all().contains("s3cret"), "{}", run.all());
}

#[test]
fn an_unreachable_server_says_what_to_do_without_the_password() {
    let url = format!("postgres://app:s3cret@127.0.0.1:{}/db", dead_port());
    let run = pgshift_in(&root(), &["migrate", "--database-url", &url], &[]).expect(1);
    assert!(
        run.stderr
            .contains("error: cannot reach the server of postgres://app:***@127.0.0.1:"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("to fix: check that PostgreSQL runs"));
    assert!(!run.all().contains("s3cret"), "{}", run.all());
    // The same through POSTGRES_URL.
    let run = pgshift_in(&root(), &["status"], &[("POSTGRES_URL", &url)]).expect(1);
    assert!(
        run.stderr.contains("cannot reach the server"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains("s3cret"));
}

#[test]
fn a_wrong_password_is_refused_and_never_echoed() {
    let db = TestDb::new();
    let user = "pgshift_cli_pw";
    let mut client = db.connect();
    client
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {user} LOGIN PASSWORD 'right-one'; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ))
        .unwrap();
    match TestDb::cluster() {
        Some(cluster) => {
            // Demand a password from this one role (first matching line wins); trust stays
            // for every other role the tests use.
            let hba = cluster.root().join("data/pg_hba.conf");
            let text = std::fs::read_to_string(&hba).unwrap();
            let line = format!("host all {user} 127.0.0.1/32 scram-sha-256\n");
            if !text.contains(&line) {
                std::fs::write(&hba, format!("{line}{text}")).unwrap();
                client.batch_execute("SELECT pg_reload_conf()").unwrap();
            }
        }
        None => eprintln!(
            "note: DATABASE_URL's server decides whether passwords are checked; only the redaction is checked here"
        ),
    }
    let url = db
        .url()
        .replacen("postgres@", &format!("{user}:Hunter2-wrong@"), 1);
    assert!(url.contains("Hunter2-wrong"), "{url}");
    // The reload is asynchronous: poll until the server asks for the password.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let run = loop {
        let run = pgshift_in(&root(), &["status", "--database-url", &url], &[]);
        if run.code != 0 || TestDb::cluster().is_none() || std::time::Instant::now() > deadline {
            break run;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(!run.all().contains("Hunter2-wrong"), "{}", run.all());
    if TestDb::cluster().is_some() {
        let run = run.expect(1);
        assert!(
            run.stderr.contains("refused the login") && run.stderr.contains("28P01"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(&format!("postgresql://{user}:***@")));
        assert!(run.stderr.contains("to fix: check the user and password"));
    }
}

#[test]
fn a_lock_timeout_names_the_blocker_and_what_to_do() {
    let db = TestDb::new();
    pgshift(&db, &["migrate", "--to", DEMO_IDS[3]]).expect(0);
    let mut blocker = db.connect();
    blocker
        .batch_execute("BEGIN; LOCK TABLE cases IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let run = pgshift(
        &db,
        &["migrate", "--lock-timeout", "100ms", "--lock-retries", "0"],
    )
    .expect(1);
    assert!(run.stderr.contains("55P03"), "{}", run.stderr);
    assert!(run.stderr.contains("to fix: another session holds a lock"));
    blocker.batch_execute("ROLLBACK").unwrap();
    pgshift(&db, &["migrate"]).expect(0);
}

#[test]
fn new_twice_in_one_minute_gives_distinct_versions() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("db/managed-migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    let first = pgshift_in(dir.path(), &["new", "add_x"], &[]).expect(0);
    let second = pgshift_in(dir.path(), &["new", "add_x"], &[]).expect(0);
    let mut names: Vec<String> = std::fs::read_dir(&migrations)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "{names:?}");
    let versions: std::collections::BTreeSet<&str> = names.iter().map(|n| &n[..12]).collect();
    assert_eq!(versions.len(), 2, "{names:?}");
    for n in &names {
        assert!(n[..12].bytes().all(|b| b.is_ascii_digit()), "{n}");
        assert!(
            n.ends_with("_add_x.up.sql") || n.ends_with("_add_x.down.sql"),
            "{n}"
        );
    }
    assert!(
        first.stdout.starts_with("wrote db/managed-migrations/"),
        "{}",
        first.stdout
    );
    assert_ne!(first.stdout, second.stdout);
    // The pair has no SQL yet: lint says so.
    let run = pgshift_in(dir.path(), &["lint"], &[]).expect(3);
    assert!(run.stderr.contains("empty-up-file"), "{}", run.stderr);

    let run = pgshift_in(dir.path(), &["new", "Add-X"], &[]).expect(2);
    assert!(
        run.stderr.contains("lowercase letters, digits and _"),
        "{}",
        run.stderr
    );
}

#[test]
fn init_creates_the_layout_and_keeps_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    let run = pgshift_in(dir.path(), &["init"], &[]).expect(0);
    assert!(
        run.stdout.contains("created db/managed-migrations"),
        "{}",
        run.stdout
    );
    assert!(dir.path().join("db/managed-migrations").is_dir());
    assert!(dir.path().join("db/managed-seeds").is_dir());
    let build = std::fs::read_to_string(dir.path().join("build.rs")).unwrap();
    assert!(
        build.contains("println!(\"cargo:rerun-if-changed=db\");"),
        "{build}"
    );
    let config = std::fs::read_to_string(dir.path().join("pgshift.toml")).unwrap();
    assert!(
        config.lines().all(|l| l.is_empty() || l.starts_with('#')),
        "{config}"
    );
    // An empty set lints clean, and a second init changes nothing.
    pgshift_in(dir.path(), &["lint"], &[]).expect(0);
    let run = pgshift_in(dir.path(), &["init"], &[]).expect(0);
    assert!(run.stdout.contains("exists  db/managed-migrations"));
    assert!(run.stdout.contains("exists  build.rs"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("build.rs")).unwrap(),
        build
    );
}

#[test]
fn index_writes_a_concurrent_pair_that_lints_and_applies() {
    let db = TestDb::new();
    let dir = demo_copy();
    let args = [
        "index",
        "--dir",
        path(&dir),
        "--table",
        "cases",
        "--column",
        "status",
        "--tenant-scope",
        "tenant_id=42",
    ];
    let run = pgshift_in(&root(), &[&args[..], &["--dry-run"]].concat(), &[]).expect(0);
    assert!(
        run.stdout.contains("CREATE INDEX CONCURRENTLY"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("WHERE \"tenant_id\" = 42"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        10,
        "dry run wrote nothing"
    );

    let run = pgshift_in(&root(), &args, &[]).expect(0);
    let up = run
        .stdout
        .lines()
        .next()
        .unwrap()
        .strip_prefix("wrote ")
        .unwrap();
    assert!(up.ends_with(".up.sql"), "{up}");
    assert!(
        std::fs::read_to_string(up)
            .unwrap()
            .starts_with("CREATE INDEX CONCURRENTLY")
    );
    pgshift_in(&root(), &["lint", path(&dir)], &[]).expect(0);
    let run = pgshift(&db, &["migrate", "--dir", path(&dir)]).expect(0);
    assert!(
        run.stdout.contains("6 migration(s) applied"),
        "{}",
        run.stdout
    );

    let run = pgshift_in(
        &root(),
        &[
            "index",
            "--dir",
            path(&dir),
            "--table",
            "cases",
            "--column",
            "x",
            "--method",
            "fancy",
        ],
        &[],
    )
    .expect(2);
    assert!(run.stderr.contains("fancy"), "{}", run.stderr);
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
        "'{}' migrate --dir '{}' --database-url '{}'",
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
