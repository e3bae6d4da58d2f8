//! The embedded table: everything about a migration set but the files' text, in one string
//! literal, which `pgshift` decodes on first use (`runtime/src/embedded.rs` holds the decoder
//! and the same grammar). One literal instead of thousands of const-fn calls keeps rustc's
//! work per migration small: see docs/BENCHMARKS.md, "Compile time".
//!
//! ```text
//! table     := migration*
//! migration := int(version) str(name) str(id) int(uses) (int(added_in) str(value))* script script
//! script    := str(path) str(checksum) str(tokens_checksum) int(statements) statement*
//! statement := int(start) int(end) int(line) int(column) str(kind) mode opt opt opt
//! mode      := "T" | "A" | "C" str(transactional_sql)
//! opt       := "-" | "+" str
//! int       := "-"? digit+ ","
//! str       := digit+ ":" bytes        (the length in bytes, then that many bytes)
//! ```

use std::fmt::Write;

use pgshift_core::{AnalyzedFile, AnalyzedMigration, TransactionMode};

fn int(out: &mut String, v: i64) {
    let _ = write!(out, "{v},");
}

fn str(out: &mut String, s: &str) {
    let _ = write!(out, "{}:", s.len());
    out.push_str(s);
}

fn opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push('+');
            str(out, s);
        }
        None => out.push('-'),
    }
}

fn script(out: &mut String, file: &AnalyzedFile) {
    str(out, &file.source.display);
    str(out, &file.source.checksum);
    str(out, &file.tokens_checksum);
    int(out, file.statements.len() as i64);
    for s in &file.statements {
        int(out, s.start as i64);
        int(out, s.end as i64);
        int(out, i64::from(s.position.line));
        int(out, i64::from(s.position.column));
        str(out, s.class.kind.name());
        match &s.class.transaction {
            TransactionMode::Concurrently { transactional_sql } => {
                out.push('C');
                str(out, transactional_sql);
            }
            TransactionMode::Autocommit => out.push('A'),
            _ => out.push('T'),
        }
        opt(
            out,
            s.class.table.as_ref().map(ToString::to_string).as_deref(),
        );
        opt(out, s.class.object.as_deref());
        opt(out, s.class.concurrent_sql.as_deref());
    }
}

/// The table of `migrations`.
pub fn table(migrations: &[AnalyzedMigration]) -> String {
    let mut out = String::new();
    for m in migrations {
        int(&mut out, m.version);
        str(&mut out, &m.name);
        str(&mut out, &m.id);
        int(&mut out, m.enum_value_uses.len() as i64);
        for u in &m.enum_value_uses {
            int(&mut out, u.added_in);
            str(&mut out, &u.value);
        }
        script(&mut out, &m.up);
        script(&mut out, &m.down);
    }
    out
}
