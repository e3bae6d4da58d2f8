//! Loading a migration folder from disk at run time (feature `load`), with the same analysis
//! `embed_migrations!()` runs at compile time. This links the SQL parser; apps that embed
//! their migrations do not need it.

use std::path::Path;

use pgshift_core::{AnalyzedFile, Diagnostic, Options};

use crate::migration::{
    EnumValueUse, Migration, Migrations, Script, Statement, StatementKind, TransactionMode,
};
use crate::seed::{Seed, Seeds};

/// Analyses the folder `dir` (named `display` in messages) and builds the migration set.
/// Returns every problem instead when the analysis finds errors.
pub fn load_dir(
    dir: &Path,
    display: &str,
    options: &Options,
) -> Result<(Migrations, Vec<Diagnostic>), Vec<Diagnostic>> {
    let analysis = pgshift_core::analyze_dir(dir, display, options);
    if analysis.has_errors() {
        return Err(analysis.diagnostics);
    }
    let list = analysis
        .migrations
        .into_iter()
        .map(|m| {
            let uses = m
                .enum_value_uses
                .into_iter()
                .map(|u| EnumValueUse {
                    added_in: u.added_in,
                    value: u.value.into(),
                })
                .collect();
            Migration::new(m.version, m.name, m.id, script(m.up), script(m.down))
                .with_enum_value_uses(uses)
        })
        .collect();
    Ok((Migrations::from_vec(list), analysis.diagnostics))
}

/// Analyses the seed folder `dir` (named `display` in messages) like `embed_seeds!()` does
/// and builds the seed set. Returns every problem instead when the analysis finds errors.
pub fn load_seeds_dir(
    dir: &Path,
    display: &str,
    options: &Options,
) -> Result<(Seeds, Vec<Diagnostic>), Vec<Diagnostic>> {
    let analysis = pgshift_core::seeds::analyze_seeds_dir(dir, display, options);
    if analysis.has_errors() {
        return Err(analysis.diagnostics);
    }
    let list = analysis
        .seeds
        .into_iter()
        .map(|s| Seed::new(s.name, script(s.file)))
        .collect();
    Ok((Seeds::from_vec(list), analysis.diagnostics))
}

fn script(file: AnalyzedFile) -> Script {
    let statements = file
        .statements
        .into_iter()
        .map(|s| {
            let transaction = match s.class.transaction {
                pgshift_core::TransactionMode::Concurrently { transactional_sql } => {
                    TransactionMode::Concurrently {
                        transactional_sql: transactional_sql.into(),
                    }
                }
                pgshift_core::TransactionMode::Autocommit => TransactionMode::Autocommit,
                _ => TransactionMode::Transactional,
            };
            Statement::new(
                s.start as u32,
                s.end as u32,
                s.position.line,
                s.position.column,
                StatementKind::from_name(s.class.kind.name()).unwrap_or(StatementKind::Other),
                transaction,
                s.class.table.map(|t| t.to_string()),
                s.class.object,
            )
            .with_concurrent_sql(s.class.concurrent_sql)
        })
        .collect();
    Script::new(
        file.source.display,
        file.source.text,
        file.source.checksum,
        statements,
    )
    .with_tokens_checksum(file.tokens_checksum)
}
