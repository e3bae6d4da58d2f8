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
    for kind in pgshift_core::StatementKind::ALL {
        let runtime = pgshift::StatementKind::from_name(kind.name())
            .unwrap_or_else(|| panic!("the runtime has no StatementKind::{}", kind.name()));
        assert_eq!(runtime.label(), kind.label());
    }
    assert_eq!(
        pgshift_core::StatementKind::ALL.len(),
        pgshift::StatementKind::ALL.len()
    );
}
