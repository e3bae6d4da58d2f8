//! The corpus: real-world-shaped migrations in `tests/corpus/*.sql`, each with the verdict it
//! must get. Every case runs as the second migration of a set whose first is
//! `tests/corpus/_base.sql`, so the schema model knows the base tables' columns, constraints and
//! indexes (tables named `legacy_*` are deliberately unknown).
//!
//! A case is a block that starts with `-- case: <name>`, then `-- expect: ok` or `-- expect:
//! <id>[, <id>...]` (every error's code, with repeats, in any order), then its SQL. Advice
//! (`prefer-*`) never fails a build and is left out of the comparison.

use std::path::Path;

use pgshift_core::{Options, analyze_dir};

struct Case {
    file: String,
    name: String,
    expect: Vec<String>,
    sql: String,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql") && !p.ends_with("_base.sql"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for block in text.split("-- case: ").skip(1) {
            let (name, rest) = block.split_once('\n').unwrap();
            let (expect, sql) = rest
                .strip_prefix("-- expect: ")
                .and_then(|r| r.split_once('\n'))
                .unwrap_or_else(|| panic!("{file}: case `{name}` has no `-- expect:` line"));
            let mut expect: Vec<String> = if expect.trim() == "ok" {
                Vec::new()
            } else {
                expect.split(',').map(|s| s.trim().to_string()).collect()
            };
            expect.sort();
            out.push(Case {
                file: file.clone(),
                name: name.trim().to_string(),
                expect,
                sql: sql.to_string(),
            });
        }
    }
    out
}

fn run(base: &str, sql: Option<&str>) -> Vec<pgshift_core::Diagnostic> {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("202401010000_base.up.sql", base);
    write("202401010000_base.down.sql", "");
    if let Some(sql) = sql {
        write("202401020000_case.up.sql", sql);
        write("202401020000_case.down.sql", "");
    }
    analyze_dir(dir.path(), "m", &Options::default()).diagnostics
}

#[test]
fn every_corpus_case_gets_its_expected_verdict() {
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/_base.sql"),
    )
    .unwrap();
    let mut clean = run(&base, None);
    clean.retain(|d| d.is_error());
    assert!(clean.is_empty(), "the base schema itself: {clean:#?}");
    let cases = cases();
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let mut diags = run(&base, Some(&case.sql));
        diags.retain(|d| d.is_error());
        let mut got: Vec<String> = diags.iter().map(|d| d.code.to_string()).collect();
        got.sort();
        if got != case.expect {
            let detail: Vec<String> = diags
                .iter()
                .map(|d| format!("    {} {}: {}", d.location(), d.code, d.message))
                .collect();
            wrong.push(format!(
                "{} `{}`: expected {:?}, got {:?}\n{}",
                case.file,
                case.name,
                case.expect,
                got,
                detail.join("\n")
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases wrong:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}
