//! Putting it together: a folder in, analysed migrations and every problem out.

use std::path::Path;

use crate::allow;
use crate::classify::{
    Classification, StatementKind, TableName, TransactionMode, classify, is_transaction_control,
};
use crate::diagnostic::{Diagnostic, Position, Severity};
use crate::discover::{SourceFile, discover};
use crate::naming::Direction;
use crate::rules::{self, Category, Context};
use crate::source::LineIndex;
use crate::split::parse_sql;

/// Switches that change what the analysis reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// `ALLOW_BREAKING_MIGRATIONS=true`: rules of [`Category::Breaking`] report nothing.
    pub allow_breaking: bool,
}

impl Options {
    /// Options as the build environment sets them: `ALLOW_BREAKING_MIGRATIONS` set to `true`
    /// or `1` turns breaking-change errors off.
    pub fn from_env() -> Self {
        Options {
            allow_breaking: std::env::var("ALLOW_BREAKING_MIGRATIONS")
                .map(|v| is_true(&v))
                .unwrap_or(false),
        }
    }

    /// Sets [`Options::allow_breaking`].
    pub fn allow_breaking(mut self, allow: bool) -> Self {
        self.allow_breaking = allow;
        self
    }
}

/// How the environment switches read a value: `true`/`1` (any case, surrounding spaces ignored).
pub fn is_true(value: &str) -> bool {
    let v = value.trim();
    v.eq_ignore_ascii_case("true") || v == "1"
}

/// One statement, as the runtime needs to know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyzedStatement {
    /// Byte offset of the statement in its file.
    pub start: usize,
    /// Byte offset just past its last token.
    pub end: usize,
    /// Where it starts.
    pub position: Position,
    /// Kind, transaction mode, table.
    pub class: Classification,
}

/// An up or down file after analysis.
#[derive(Clone, Debug)]
pub struct AnalyzedFile {
    /// The file as read.
    pub source: SourceFile,
    /// Its statements in order.
    pub statements: Vec<AnalyzedStatement>,
}

/// A migration after analysis.
#[derive(Clone, Debug)]
pub struct AnalyzedMigration {
    /// The version number.
    pub version: i64,
    /// `VERSION_name`.
    pub id: String,
    /// The name part.
    pub name: String,
    /// The up file.
    pub up: AnalyzedFile,
    /// The down file.
    pub down: AnalyzedFile,
}

/// The result of analysing a folder.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Migrations whose files parsed, in version order.
    pub migrations: Vec<AnalyzedMigration>,
    /// Every problem found, errors and advice.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Analyses the migration folder `dir`, naming it `display_dir` in messages.
pub fn analyze_dir(dir: &Path, display_dir: &str, options: &Options) -> Analysis {
    let (pairs, mut diagnostics) = discover(dir, display_dir);
    let mut migrations = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let up = analyze_file(pair.up, Direction::Up, options, &mut diagnostics);
        let down = analyze_file(pair.down, Direction::Down, options, &mut diagnostics);
        if let (Some(up), Some(down)) = (up, down) {
            migrations.push(AnalyzedMigration {
                version: pair.name.version,
                id: pair.name.id(),
                name: pair.name.name,
                up,
                down,
            });
        }
    }
    Analysis {
        migrations,
        diagnostics,
    }
}

/// Analyses one file: parses it, classifies its statements, and (for up files) applies the
/// guardrails. Returns `None` when it does not parse.
pub fn analyze_file(
    source: SourceFile,
    direction: Direction,
    options: &Options,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<AnalyzedFile> {
    let text = source.text.as_str();
    let display = source.display.as_str();
    let file = match parse_sql(text) {
        Ok(file) => file,
        Err(err) => {
            diagnostics.push(
                Diagnostic::new("syntax-error", display, err.message.clone())
                    .at(text, err.offset, err.len)
                    .why("PostgreSQL's own grammar rejects it, so the migration would fail when it runs")
                    .help("fix the SQL; it is checked with PostgreSQL's own grammar"),
            );
            return None;
        }
    };
    if direction == Direction::Up && file.statements.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                "empty-up-file",
                display,
                "the up file has no SQL statements",
            )
            .why("an empty migration would be recorded as applied while changing nothing")
            .help("write the migration's SQL, or delete the migration's two files"),
        );
        return None;
    }
    let lines = LineIndex::new(text);
    let known_rule = |id: &str| rules::find(id).is_some();
    allow::check_stray_directives(text, &lines, &file, display, diagnostics);

    let mut created: Vec<TableName> = Vec::new();
    let mut statements = Vec::with_capacity(file.statements.len());
    for statement in &file.statements {
        let class = classify(&file, statement);
        if is_transaction_control(&statement.node).is_some() {
            let first = &file.tokens[statement.first_token];
            let keyword = text[first.start as usize..first.end as usize].to_uppercase();
            diagnostics.push(
                Diagnostic::new(
                    "transaction-control",
                    display,
                    format!("`{keyword}` in a migration file"),
                )
                .at(text, statement.start, (first.end - first.start) as usize)
                .why("pgshift runs each migration in its own transaction and records it in the same one; \
                      transaction control in the file would end that transaction early or leave it open, \
                      and the history would no longer match the schema")
                .help("remove the statement; statements that cannot run in a transaction (`CREATE INDEX \
                       CONCURRENTLY`, `VACUUM`, ...) are detected and run outside it automatically"),
            );
        }
        if let (StatementKind::CreateIndex, TransactionMode::Concurrently { .. }, None) =
            (class.kind, class.transaction, &class.object)
        {
            let first = &file.tokens[statement.first_token];
            diagnostics.push(
                Diagnostic::new(
                    "unnamed-concurrent-index",
                    display,
                    "`CREATE INDEX CONCURRENTLY` without an index name",
                )
                .at(text, statement.start, (first.end - first.start) as usize)
                .why("an interrupted concurrent build leaves an invalid index behind; pgshift finds and drops it by \
                      name before building again, and without a name a retry would build a second index next to it")
                .help("name the index: `CREATE INDEX CONCURRENTLY <table>_<columns>_idx ON ...`"),
            );
        }
        let allowed = allow::allowed_for(
            text,
            &lines,
            &file,
            statement,
            display,
            &known_rule,
            diagnostics,
        );
        if direction == Direction::Up {
            let ctx = Context {
                text,
                file: &file,
                statement,
                class: &class,
                created: &created,
            };
            for rule in rules::RULES {
                if options.allow_breaking && rule.category == Category::Breaking {
                    continue;
                }
                if allowed.allows(rule.id) {
                    continue;
                }
                for finding in (rule.check)(&ctx) {
                    let mut d = Diagnostic::new(rule.id, display, finding.message)
                        .at(text, finding.offset, finding.len)
                        .why(rule.why)
                        .help(finding.help);
                    d.severity = Severity::Error;
                    diagnostics.push(d);
                }
            }
        }
        track_created_tables(&statement.node, &class, &mut created);
        statements.push(AnalyzedStatement {
            start: statement.start,
            end: statement.end,
            position: lines.position(text, statement.start),
            class,
        });
    }
    Some(AnalyzedFile { source, statements })
}

fn track_created_tables(
    node: &pg_query::NodeEnum,
    class: &Classification,
    created: &mut Vec<TableName>,
) {
    use pg_query::NodeEnum;
    match node {
        // `IF NOT EXISTS` may find the table already there (and in use): not new.
        NodeEnum::CreateStmt(s) if !s.if_not_exists => created.extend(class.table.clone()),
        NodeEnum::CreateTableAsStmt(s) if !s.if_not_exists => created.extend(class.table.clone()),
        NodeEnum::RenameStmt(r)
            if r.rename_type == pg_query::protobuf::ObjectType::ObjectTable as i32 =>
        {
            if let Some(t) = &class.table
                && created.iter().any(|c| c.matches(t))
            {
                created.push(TableName {
                    schema: t.schema.clone(),
                    name: r.newname.clone(),
                });
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn source(text: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from("m/1_a.up.sql"),
            display: "m/1_a.up.sql".into(),
            text: text.into(),
            checksum: crate::checksum(text.as_bytes()),
        }
    }

    fn up(text: &str, options: &Options) -> (Option<AnalyzedFile>, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let file = analyze_file(source(text), Direction::Up, options, &mut diags);
        (file, diags)
    }

    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn rule_in_a_multi_statement_file_reports_the_right_line() {
        let text = "CREATE TABLE x (id int);\n\nALTER TABLE cases\n  DROP COLUMN title;\n";
        let (_, diags) = up(text, &Options::default());
        assert_eq!(codes(&diags), ["drop-column"]);
        assert_eq!(diags[0].location(), "m/1_a.up.sql:4:3");
    }

    #[test]
    fn tables_created_in_the_same_migration_are_exempt() {
        let text = "CREATE TABLE tmp (a int, b int);\nALTER TABLE tmp DROP COLUMN b;\nALTER TABLE tmp RENAME TO tmp2;\nALTER TABLE tmp2 RENAME COLUMN a TO c;\nDROP TABLE tmp2;";
        let (_, diags) = up(text, &Options::default());
        assert!(diags.is_empty(), "{diags:#?}");
    }

    #[test]
    fn create_if_not_exists_does_not_exempt_the_table() {
        let text =
            "CREATE TABLE IF NOT EXISTS cases (id int);\nALTER TABLE cases DROP COLUMN title;";
        assert_eq!(codes(&up(text, &Options::default()).1), ["drop-column"]);
    }

    #[test]
    fn allow_breaking_turns_breaking_rules_off() {
        let text = "ALTER TABLE cases DROP COLUMN title;";
        assert_eq!(codes(&up(text, &Options::default()).1), ["drop-column"]);
        assert!(
            up(text, &Options::default().allow_breaking(true))
                .1
                .is_empty()
        );
    }

    #[test]
    fn allow_comment_allows_only_the_named_rule() {
        let text = "-- pgshift:allow drop-column -- unused since v3\nALTER TABLE cases DROP COLUMN title, ALTER COLUMN body TYPE text;";
        assert_eq!(
            codes(&up(text, &Options::default()).1),
            ["change-column-type"]
        );
    }

    #[test]
    fn transaction_control_is_an_error_in_both_directions() {
        let text = "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;";
        assert_eq!(
            codes(&up(text, &Options::default()).1),
            ["transaction-control", "transaction-control"]
        );
        let mut diags = Vec::new();
        analyze_file(
            source(text),
            Direction::Down,
            &Options::default(),
            &mut diags,
        );
        assert_eq!(
            codes(&diags),
            ["transaction-control", "transaction-control"]
        );
    }

    #[test]
    fn concurrent_indexes_must_be_named() {
        let text = "CREATE INDEX CONCURRENTLY ON cases (tenant_id);\nCREATE INDEX CONCURRENTLY named ON cases (title);";
        assert_eq!(
            codes(&up(text, &Options::default()).1),
            ["unnamed-concurrent-index"]
        );
    }

    #[test]
    fn guardrails_do_not_apply_to_down_files() {
        let mut diags = Vec::new();
        analyze_file(
            source("DROP TABLE cases;"),
            Direction::Down,
            &Options::default(),
            &mut diags,
        );
        assert!(diags.is_empty());
    }

    #[test]
    fn empty_up_file_is_an_error_but_empty_down_file_is_not() {
        assert_eq!(
            codes(&up("-- nothing\n", &Options::default()).1),
            ["empty-up-file"]
        );
        let mut diags = Vec::new();
        let down = analyze_file(
            source("-- irreversible\n"),
            Direction::Down,
            &Options::default(),
            &mut diags,
        );
        assert!(diags.is_empty() && down.unwrap().statements.is_empty());
    }

    #[test]
    fn syntax_error_reports_the_token_position() {
        let (file, diags) = up(
            "CREATE TABLE a (\n  id int DEFALT 1\n);",
            &Options::default(),
        );
        assert!(file.is_none());
        assert_eq!(codes(&diags), ["syntax-error"]);
        assert_eq!(diags[0].location(), "m/1_a.up.sql:2:10");
    }

    #[test]
    fn statement_positions_are_recorded() {
        let (file, _) = up("-- c\nSELECT 1;\n  SELECT 2;", &Options::default());
        let positions: Vec<(u32, u32)> = file
            .unwrap()
            .statements
            .iter()
            .map(|s| (s.position.line, s.position.column))
            .collect();
        assert_eq!(positions, [(2, 1), (3, 3)]);
    }
}
