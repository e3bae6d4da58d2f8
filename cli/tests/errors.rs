//! Errors for people: each failure of the built `pgshift` binary says what happened and what to
//! do, with the contract's exit code, and never prints a password.

mod common;

use common::*;
use pgshift_localpg::TestDb;

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
