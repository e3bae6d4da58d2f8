//! The macro and the loader run the same analysis: embedding a folder and loading it from
//! disk give the same migration set, down to every statement's metadata.

use pgshift::Migrations;

static EMBEDDED: Migrations = pgshift::embed_migrations!();

#[test]
fn embedded_and_loaded_sets_are_identical() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/db/managed-migrations");
    let (loaded, advice) = pgshift::load::load_dir(
        dir.as_ref(),
        "db/managed-migrations",
        &pgshift_core::Options::default(),
    )
    .unwrap();
    assert!(advice.is_empty());
    assert_eq!(loaded, EMBEDDED);
    assert!(EMBEDDED.len() >= 4);
    let index = EMBEDDED.find("202412010004").unwrap();
    assert!(!index.up.statements[0].transaction.is_transactional());
    assert_eq!(
        index.up.statements[0].object.as_deref(),
        Some("cases_active_by_tenant_idx")
    );
}

#[test]
fn every_statement_kind_of_the_analysis_exists_in_the_runtime() {
    // In the same order, too: the embedded table stores a kind as its index.
    for (i, kind) in pgshift_core::StatementKind::ALL.iter().enumerate() {
        let runtime = pgshift::StatementKind::from_name(kind.name())
            .unwrap_or_else(|| panic!("the runtime has no StatementKind::{}", kind.name()));
        assert_eq!(runtime.label(), kind.label());
        assert_eq!(pgshift::StatementKind::ALL.get(i), Some(&runtime));
    }
    assert_eq!(
        pgshift_core::StatementKind::ALL.len(),
        pgshift::StatementKind::ALL.len()
    );
}

/// What the compact table derives instead of storing (positions after CRLF, a comment and
/// multi-byte characters, byte checksums of CRLF files, paths) and what it stores by
/// reference (quoted table names, enum values, the transactional and concurrent forms).
static EDGE_CASES: Migrations = pgshift::embed_migrations!("tests/embedding/edge_cases");

#[test]
fn embedded_and_loaded_edge_cases_are_identical() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/embedding/edge_cases");
    let (loaded, _) = pgshift::load::load_dir(
        dir.as_ref(),
        "tests/embedding/edge_cases",
        &pgshift_core::Options::default(),
    )
    .unwrap();
    assert_eq!(loaded, EDGE_CASES);
    let tasks = EDGE_CASES.find("202501010001").unwrap();
    assert_eq!(tasks.name, "tasks");
    assert_eq!(
        tasks.up.path,
        "tests/embedding/edge_cases/202501010001_tasks.up.sql"
    );
    assert_eq!(
        (tasks.up.statements[1].line, tasks.up.statements[1].column),
        (4, 3)
    );
    assert_eq!(tasks.up.statements[1].table.as_deref(), Some("tâches"));
    let close = EDGE_CASES.find("202501010003_close_tasks").unwrap();
    assert_eq!(close.enum_value_uses.len(), 1);
    assert!(close.up.statements[1].concurrent_sql.is_some());
    let concurrent = EDGE_CASES.find("202501010004").unwrap();
    assert!(!concurrent.up.statements[0].transaction.is_transactional());
}
