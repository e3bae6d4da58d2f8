//! `pgshift lint` on the demo set and on bad folders: human, JSON and GitHub output, exit 3,
//! `ALLOW_BREAKING_MIGRATIONS` from the environment, a missing folder. No database.

mod common;

use common::*;

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
