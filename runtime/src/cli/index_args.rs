//! `index`: the index builder's options as flags, shared by `pgshift index` and
//! `examples/index_helper.rs`, and the pair they scaffold.

use std::path::Path;
use std::time::SystemTime;

use clap::Args;

use super::errors::Failure;
use super::output::Output;
use crate::index::{self, ActiveFilter, IndexSpec, Literal, Method};

/// The index builder's options, as flags.
#[derive(Args, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexArgs {
    /// The table, SCHEMA.TABLE (no dot: schema public)
    #[arg(long, value_name = "SCHEMA.TABLE")]
    pub table: String,
    /// A key column, in order (repeat for more)
    #[arg(long = "column", value_name = "COLUMN", required = true)]
    pub columns: Vec<String>,
    /// btree, hash, gist, spgist, gin or brin
    #[arg(long, value_name = "METHOD", value_parser = parse_method)]
    pub method: Option<Method>,
    /// A UNIQUE index (btree only)
    #[arg(long)]
    pub unique: bool,
    /// A column stored in the index without being a key (INCLUDE; repeat for more)
    #[arg(long, value_name = "COLUMN")]
    pub include: Vec<String>,
    /// Only rows with COLUMN = VALUE (an integer, a uuid, or text; 'quoted' is always text)
    #[arg(long, value_name = "COLUMN=VALUE", value_parser = parse_scope)]
    pub tenant_scope: Option<(String, Literal)>,
    /// The same, for a case column
    #[arg(long, value_name = "COLUMN=VALUE", value_parser = parse_scope)]
    pub case_scope: Option<(String, Literal)>,
    /// Only rows with COLUMN IS NULL (a soft-delete timestamp)
    #[arg(long, value_name = "COLUMN")]
    pub active_only: Option<String>,
    /// Only rows matching this SQL (not escaped: your own SQL)
    #[arg(long = "where", value_name = "SQL")]
    pub where_sql: Option<String>,
    /// The index name [default: derived from the spec]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Build with a write lock instead of CONCURRENTLY
    #[arg(long)]
    pub no_concurrently: bool,
    /// Print the two files instead of writing them
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_method(s: &str) -> Result<Method, String> {
    s.parse::<Method>().map_err(|e| e.to_string())
}

fn parse_scope(arg: &str) -> Result<(String, Literal), String> {
    let (column, value) = arg
        .split_once('=')
        .ok_or_else(|| format!("takes COLUMN=VALUE, not `{arg}`"))?;
    Ok((column.to_string(), Literal::infer(value)))
}

impl IndexArgs {
    /// The spec these flags describe.
    pub fn spec(&self) -> Result<IndexSpec, index::IndexSpecError> {
        let (schema, table) = self
            .table
            .split_once('.')
            .unwrap_or(("public", &self.table));
        let mut b = IndexSpec::on(schema, table);
        for c in &self.columns {
            b = b.column(c.clone());
        }
        if let Some(m) = self.method {
            b = b.method(m);
        }
        if self.unique {
            b = b.unique();
        }
        for c in &self.include {
            b = b.include(c.clone());
        }
        if let Some((c, v)) = &self.tenant_scope {
            b = b.tenant_scope(c.clone(), v.clone());
        }
        if let Some((c, v)) = &self.case_scope {
            b = b.case_scope(c.clone(), v.clone());
        }
        if let Some(c) = &self.active_only {
            b = b.active_only(ActiveFilter::DeletedAtIsNull(c.clone()));
        }
        if let Some(sql) = &self.where_sql {
            b = b.where_raw(sql.clone());
        }
        if let Some(n) = &self.name {
            b = b.name(n.clone());
        }
        if self.no_concurrently {
            b = b.concurrently(false);
        }
        b.build()
    }
}

impl IndexArgs {
    /// Writes the pair into `dir` (or, with `--dry-run`, prints it), naming the files written.
    pub fn scaffold(&self, dir: &Path, out: &Output) -> Result<(), Failure> {
        let spec = self.spec().map_err(|e| {
            Failure::usage(format!("the index cannot be built as asked: {e}"))
                .todo("change the flags (`--help` lists them)")
        })?;
        let pair = index::plan_migration(dir, &spec, SystemTime::now())?;
        if self.dry_run {
            out.data(format!(
                "-- {} (not written: --dry-run)\n{}\n-- {} (not written: --dry-run)\n{}",
                pair.up_path.display(),
                pair.up_sql.trim_end(),
                pair.down_path.display(),
                pair.down_sql.trim_end()
            ));
            return Ok(());
        }
        pair.write()?;
        out.line(format!("wrote {}", pair.up_path.display()));
        out.line(format!("wrote {}", pair.down_path.display()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        index: IndexArgs,
    }

    #[test]
    fn flags_map_onto_the_builder() {
        let cli = Cli::try_parse_from([
            "x",
            "--table",
            "app.cases",
            "--column",
            "status",
            "--tenant-scope",
            "tenant_id=42",
            "--active-only",
            "deleted_at",
            "--name",
            "i",
        ])
        .unwrap();
        assert_eq!(
            cli.index.spec().unwrap().create_sql(),
            "CREATE INDEX CONCURRENTLY \"i\" ON \"app\".\"cases\" USING btree (\"status\") \
             WHERE \"tenant_id\" = 42 AND \"deleted_at\" IS NULL"
        );
        assert!(
            Cli::try_parse_from(["x", "--table", "t"]).is_err(),
            "a column is required"
        );
    }
}
