//! Putting it together: a folder in, analysed migrations and every problem out.

use std::path::Path;

use crate::allow;
use crate::classify::{
    Classification, StatementKind, TableName, TransactionMode, classify_without_concurrent_form,
    is_transaction_control,
};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Position, Severity};
use crate::discover::{SourceFile, discover};
use crate::naming::Direction;
use crate::pg;
use crate::rules::{self, Category, Context};
use crate::schema::Schema;
use crate::source::LineIndex;
use crate::split::{ParsedFile, SyntaxError, SyntaxErrorKind, parse_sql};

mod copy_client;
mod enum_value_used_in_same_transaction;
mod identifier_too_long;

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
    /// [`crate::tokens_checksum`] of the file: what drift detection compares.
    pub tokens_checksum: String,
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
    /// Enum values its up file uses that an earlier migration adds: they exist only once
    /// that migration has committed (see [`crate::enums`]).
    pub enum_value_uses: Vec<crate::enums::EnumValueUse>,
}

/// The result of analysing a folder.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Migrations whose files parsed, in version order.
    pub migrations: Vec<AnalyzedMigration>,
    /// Every problem found, errors and advice.
    pub diagnostics: Vec<Diagnostic>,
    /// The settings of the folder's `pgshift.toml` (the defaults without one).
    pub config: Config,
    /// The files besides the migrations that the verdicts depend on: `pgshift.toml` and the
    /// schema baseline, when they exist. `embed_migrations!()` includes them so cargo rebuilds
    /// when they change.
    pub inputs: Vec<std::path::PathBuf>,
}

impl Analysis {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Analyses the migration folder `dir`, naming it `display_dir` in messages, with the settings
/// of its `pgshift.toml` ([`crate::config`]) when it has one.
///
/// Files are parsed in parallel (one worker per core), each worker on a thread with the stack
/// deep parse trees need ([`pg::PARSER_STACK_SIZE`]); the checks then run in version order.
pub fn analyze_dir(dir: &Path, display_dir: &str, options: &Options) -> Analysis {
    pg::with_parser_stack(|| {
        let mut diagnostics = Vec::new();
        let (config, config_file) = Config::load(dir, display_dir, &mut diagnostics);
        let mut inputs: Vec<std::path::PathBuf> = config_file.into_iter().collect();
        let (pairs, found) = discover(dir, display_dir);
        diagnostics.extend(found);
        let mut schema = Schema::new();
        if let Some(baseline) = &config.schema_baseline {
            let path = dir.join(baseline);
            let display = format!(
                "{}/{}",
                display_dir.trim_end_matches('/'),
                baseline.display()
            );
            crate::baseline::load(&path, &display, &mut schema, &mut diagnostics);
            inputs.push(path);
        }
        let texts: Vec<&str> = pairs
            .iter()
            .flat_map(|p| [p.up.text.as_str(), p.down.text.as_str()])
            .collect();
        let mut parsed = parse_all(&texts).into_iter();
        let mut migrations = Vec::with_capacity(pairs.len());
        let mut facts = Vec::with_capacity(pairs.len());
        for pair in pairs {
            let (up_parsed, down_parsed) = match (parsed.next(), parsed.next()) {
                (Some(up), Some(down)) => (up, down),
                _ => unreachable!("parse_all returns one result per text"),
            };
            let up_facts = up_parsed
                .as_ref()
                .map(|f| crate::enums::EnumFacts::of(&pair.up.text, f))
                .unwrap_or_default();
            schema.begin_migration();
            let up = check_file(
                pair.up,
                up_parsed,
                Direction::Up,
                options,
                &config,
                &mut schema,
                &mut diagnostics,
            );
            // The down file is checked against the schema as the up file left it, and changes
            // nothing: the next migration starts from the up file's result.
            let mut after_up = Schema::new();
            let down = check_file(
                pair.down,
                down_parsed,
                Direction::Down,
                options,
                &config,
                &mut after_up,
                &mut diagnostics,
            );
            if let (Some(up), Some(down)) = (up, down) {
                migrations.push(AnalyzedMigration {
                    version: pair.name.version,
                    id: pair.name.id(),
                    name: pair.name.name,
                    up,
                    down,
                    enum_value_uses: Vec::new(),
                });
                facts.push((pair.name.version, up_facts));
            }
        }
        let pairs: Vec<(i64, &crate::enums::EnumFacts)> =
            facts.iter().map(|(v, f)| (*v, f)).collect();
        for (m, uses) in migrations
            .iter_mut()
            .zip(crate::enums::uses_of_added_values(&pairs))
        {
            m.enum_value_uses = uses;
        }
        Analysis {
            migrations,
            diagnostics,
            config,
            inputs,
        }
    })
}

/// Parses every text, in parallel, each on a thread with [`pg::PARSER_STACK_SIZE`] of stack.
/// Returns the results in the order of `texts`.
pub fn parse_all(texts: &[&str]) -> Vec<Result<ParsedFile, SyntaxError>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(texts.len())
        .max(1);
    if workers == 1 {
        return texts.iter().map(|t| parse_sql(t)).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(text) = texts.get(i) else {
                return done;
            };
            done.push((i, parse_sql(text)));
        }
    };
    let mut results: Vec<Option<Result<ParsedFile, SyntaxError>>> =
        (0..texts.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .name("pgshift-parse".into())
                    .stack_size(pg::PARSER_STACK_SIZE)
                    .spawn_scoped(scope, work)
                    .ok()
            })
            .collect();
        for handle in handles {
            match handle.join() {
                Ok(done) => {
                    for (i, r) in done {
                        results[i] = Some(r);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    // Whatever no worker took (none could be started) is parsed here.
    results
        .into_iter()
        .zip(texts)
        .map(|(r, text)| r.unwrap_or_else(|| parse_sql(text)))
        .collect()
}

/// Analyses one file: parses it, classifies its statements, runs the checks and applies the
/// guardrails (breaking-change ones to up files only). Returns `None` when it does not parse.
pub fn analyze_file(
    source: SourceFile,
    direction: Direction,
    options: &Options,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<AnalyzedFile> {
    let parsed = parse_sql(&source.text);
    let mut schema = Schema::new();
    schema.begin_migration();
    check_file(
        source,
        parsed,
        direction,
        options,
        &Config::default(),
        &mut schema,
        diagnostics,
    )
}

/// Checks `text` as an up file after whatever `schema` holds (tests of rules use it).
#[cfg(test)]
pub(crate) fn check_up_text(text: &str, schema: &mut Schema) -> Vec<Diagnostic> {
    check_up_text_with(text, schema, &Config::default())
}

/// [`check_up_text`] with the settings of a `pgshift.toml`.
#[cfg(test)]
pub(crate) fn check_up_text_with(
    text: &str,
    schema: &mut Schema,
    config: &Config,
) -> Vec<Diagnostic> {
    let source = SourceFile {
        path: std::path::PathBuf::from("m/1_a.up.sql"),
        display: "m/1_a.up.sql".into(),
        text: text.into(),
        checksum: crate::checksum(text.as_bytes()),
    };
    let parsed = parse_sql(text);
    let mut diagnostics = Vec::new();
    check_file(
        source,
        parsed,
        Direction::Up,
        &Options::default(),
        config,
        schema,
        &mut diagnostics,
    );
    diagnostics
}

/// The diagnostic for a file that does not parse.
fn parse_failure(text: &str, display: &str, err: &SyntaxError) -> Diagnostic {
    match err.kind {
        SyntaxErrorKind::TooDeep => Diagnostic::new(
            "statement-too-deep",
            display,
            format!("a statement nests too deeply for PostgreSQL's parser ({})", err.message),
        )
        .why("the server refuses statements nested this deeply (its `max_stack_depth` is 2 MB by default), so the migration would fail when it runs")
        .help("split the expression, e.g. build a long `||` chain with `concat_ws(...)` or an array and `array_to_string(...)`"),
        SyntaxErrorKind::Internal => Diagnostic::new(
            "parser-failure",
            display,
            format!("pgshift could not read the parser's answer: {}", err.message),
        )
        .why("this is a fault of pgshift, not of your SQL")
        .help("please report it with the file attached; meanwhile the file cannot be checked"),
        SyntaxErrorKind::Nul | SyntaxErrorKind::Syntax => {
            Diagnostic::new("syntax-error", display, err.message.clone())
                .at(text, err.offset, err.len)
                .why("PostgreSQL's own grammar rejects it, so the migration would fail when it runs")
                .help("fix the SQL; it is checked with PostgreSQL's own grammar")
        }
    }
}

fn check_file(
    source: SourceFile,
    parsed: Result<ParsedFile, SyntaxError>,
    direction: Direction,
    options: &Options,
    config: &Config,
    schema: &mut Schema,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<AnalyzedFile> {
    let text = source.text.as_str();
    let display = source.display.as_str();
    let file = match parsed {
        Ok(file) => file,
        Err(err) => {
            diagnostics.push(
                copy_client::inline_data(text, display, &err)
                    .unwrap_or_else(|| parse_failure(text, display, &err)),
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
    identifier_too_long::check(text, &file, display, diagnostics);

    let mut created: Vec<TableName> = Vec::new();
    let mut new_enum_values = enum_value_used_in_same_transaction::NewEnumValues::default();
    let mut statements = Vec::with_capacity(file.statements.len());
    for statement in &file.statements {
        let mut class = classify_without_concurrent_form(&file, statement);
        // An index on a table created earlier in this migration stays plain under
        // INDEX_CONCURRENT: nothing uses the table yet, and the migration stays atomic.
        if !class
            .table
            .as_ref()
            .is_some_and(|t| created.iter().any(|c| c.matches(t)))
        {
            class.concurrent_sql = crate::classify::concurrent_form(&statement.node);
        }
        if adds_enum_value_outside_transaction(&statement.node, config, schema) {
            class.transaction = TransactionMode::Autocommit;
        }
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
            (class.kind, &class.transaction, &class.object)
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
        diagnostics.extend(copy_client::check(text, statement, display));
        diagnostics.extend(new_enum_values.check(text, &lines, &file, statement, &class, display));
        let allowed = allow::allowed_for(
            text,
            &lines,
            &file,
            statement,
            display,
            &known_rule,
            diagnostics,
        );
        let ctx = Context {
            text,
            file: &file,
            statement,
            class: &class,
            created: &created,
            schema,
            config,
        };
        let first_finding = diagnostics.len();
        // Every rule runs, also the ones allowed or switched off, so that an allow comment
        // that silences nothing is found.
        let mut used = Vec::new();
        for rule in rules::RULES {
            if direction == Direction::Down && !rule.category.checks_down_files() {
                continue;
            }
            let findings = (rule.check)(&ctx);
            if findings.is_empty() {
                continue;
            }
            if allowed.allows(rule.id) {
                used.push(rule.id);
                continue;
            }
            if (options.allow_breaking && rule.category == Category::Breaking)
                || config.disables(rule.id)
            {
                continue;
            }
            for finding in findings {
                let mut d = Diagnostic::new(rule.id, display, finding.message)
                    .at_indexed(&lines, text, finding.offset, finding.len)
                    .why(rule.why)
                    .help(finding.help);
                d.severity = if rule.category == Category::Advice && !config.denies(rule.id) {
                    Severity::Advice
                } else {
                    Severity::Error
                };
                diagnostics.push(d);
            }
        }
        let exempt = class
            .table
            .as_ref()
            .is_some_and(|t| created.iter().any(|c| c.matches(t)));
        allowed.check_unused(
            &used,
            &|rule| match rules::find(rule) {
                Some(r) if direction == Direction::Down && !r.category.checks_down_files() => {
                    format!("`{rule}` does not check down files")
                }
                _ if exempt => {
                    "the statement acts on a table created earlier in this migration, which no \
                                rule checks"
                        .to_string()
                }
                _ => format!("`{rule}` finds nothing in the statement below it"),
            },
            text,
            display,
            diagnostics,
        );
        // One statement's findings in the order of the text (a stable sort: rules in registry
        // order where they point at the same place).
        diagnostics[first_finding..].sort_by_key(|d| d.position.map(|p| (p.line, p.column)));
        track_created_tables(&statement.node, &class, &mut created);
        schema.apply(&statement.node);
        statements.push(AnalyzedStatement {
            start: statement.start,
            end: statement.end,
            position: lines.position(text, statement.start),
            class,
        });
    }
    let tokens_checksum = crate::tokens_checksum(&source.text, &file.tokens);
    Some(AnalyzedFile {
        source,
        statements,
        tokens_checksum,
    })
}

/// Whether `node` is an `ALTER TYPE ... ADD VALUE` that the target version refuses inside a
/// transaction block: before PostgreSQL 12 it must run alone, unless the type was created in
/// the same transaction (here: the same migration).
fn adds_enum_value_outside_transaction(
    node: &pg::NodeEnum,
    config: &Config,
    schema: &Schema,
) -> bool {
    let pg::NodeEnum::AlterEnumStmt(a) = node else {
        return false;
    };
    if config.at_least(12) || a.new_val.is_empty() || !a.old_val.is_empty() {
        return false;
    }
    let name = a.type_name.iter().rev().find_map(|n| match &n.node {
        Some(pg::NodeEnum::String(s)) => Some(s.sval.as_str()),
        _ => None,
    });
    name.and_then(|n| schema.type_created_in(n)) != Some(schema.migration())
}

pub(crate) fn track_created_tables(
    node: &pg::NodeEnum,
    class: &Classification,
    created: &mut Vec<TableName>,
) {
    use pg::NodeEnum;
    match node {
        // `IF NOT EXISTS` may find the table already there (and in use): not new.
        NodeEnum::CreateStmt(s) if !s.if_not_exists => created.extend(class.table.clone()),
        NodeEnum::CreateTableAsStmt(s) if !s.if_not_exists => created.extend(class.table.clone()),
        NodeEnum::RenameStmt(r)
            if r.rename_type == crate::pg::protobuf::ObjectType::ObjectTable as i32 =>
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
        // Advice (the `prefer-*` rules) is tested with those rules.
        diags.retain(Diagnostic::is_error);
        (file, diags)
    }

    /// The codes of the errors (advice is tested by the advice rules themselves).
    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().filter(|d| d.is_error()).map(|d| d.code).collect()
    }

    #[test]
    fn rule_in_a_multi_statement_file_reports_the_right_line() {
        let text = "CREATE TABLE x (id int);\n\nALTER TABLE cases\n  DROP COLUMN title;\n";
        let (_, diags) = up(text, &Options::default());
        assert_eq!(codes(&diags), ["drop-column"]);
        assert_eq!(diags[0].location(), "m/1_a.up.sql:4:3");
    }

    #[test]
    fn the_findings_of_one_statement_come_in_source_order() {
        let text = "ALTER TABLE cases\n  ADD COLUMN token uuid DEFAULT gen_random_uuid(),\n  \
                    ALTER COLUMN title SET NOT NULL,\n  DROP COLUMN body;";
        let (_, diags) = up(text, &Options::default());
        let found: Vec<(&str, String)> = diags.iter().map(|d| (d.code, d.location())).collect();
        assert_eq!(
            found,
            [
                (
                    "add-column-volatile-default",
                    "m/1_a.up.sql:2:3".to_string()
                ),
                ("set-not-null", "m/1_a.up.sql:3:3".to_string()),
                ("drop-column", "m/1_a.up.sql:4:3".to_string()),
            ]
        );
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

    fn down(text: &str) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        analyze_file(
            source(text),
            Direction::Down,
            &Options::default(),
            &mut diags,
        );
        diags
    }

    #[test]
    fn breaking_guardrails_do_not_apply_to_down_files() {
        assert!(down("DROP TABLE cases;").is_empty());
    }

    #[test]
    fn session_set_applies_to_both_directions_and_only_an_allow_comment_turns_it_off() {
        let text = "SET search_path = app;\nCREATE TABLE t (id int);";
        assert_eq!(codes(&up(text, &Options::default()).1), ["session-set"]);
        assert_eq!(codes(&down(text)), ["session-set"]);
        let breaking_off = Options::default().allow_breaking(true);
        assert_eq!(codes(&up(text, &breaking_off).1), ["session-set"]);
        let allowed =
            format!("-- pgshift:allow session-set -- the app connects with its own pool\n{text}");
        assert!(up(&allowed, &Options::default()).1.is_empty());
        assert!(down(&allowed).is_empty());
    }

    #[test]
    fn hard_checks_apply_to_both_directions_and_cannot_be_allowed() {
        let long = "c".repeat(64);
        let text = format!(
            "-- pgshift:allow copy-client -- we load it by hand\nCOPY t FROM STDIN;\nALTER TABLE t ADD COLUMN {long} int;"
        );
        assert_eq!(
            codes(&up(&text, &Options::default()).1),
            ["identifier-too-long", "copy-client", "invalid-allow"]
        );
        assert_eq!(
            codes(&down(&text)),
            ["identifier-too-long", "copy-client", "invalid-allow"]
        );
    }

    #[test]
    fn inline_copy_data_is_reported_as_copy_client_not_as_a_bare_syntax_error() {
        let text = "CREATE TABLE t (id int, name text);\nCOPY t FROM stdin;\n1\tbolt\n\\.\n";
        let (file, diags) = up(text, &Options::default());
        assert!(file.is_none());
        assert_eq!(codes(&diags), ["copy-client"]);
        assert_eq!(diags[0].location(), "m/1_a.up.sql:2:1");
        assert!(diags[0].message.contains("inline data"), "{}", diags[0]);
    }

    #[test]
    fn an_enum_value_may_be_used_by_the_next_migration_but_not_by_its_own() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            (
                "202401010000_add_archived.up.sql",
                "ALTER TYPE case_status ADD VALUE 'archived';",
            ),
            ("202401010000_add_archived.down.sql", ""),
            (
                "202401020000_archive_old.up.sql",
                "UPDATE cases SET status = 'archived' WHERE closed_at < '2020-01-01';",
            ),
            (
                "202401020000_archive_old.down.sql",
                "UPDATE cases SET status = 'closed' WHERE status = 'archived';",
            ),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let analysis = analyze_dir(dir.path(), "m", &Options::default());
        assert!(
            analysis.diagnostics.is_empty(),
            "{:#?}",
            analysis.diagnostics
        );
        let (_, diags) = up(
            "ALTER TYPE case_status ADD VALUE 'archived';\nUPDATE cases SET status = 'archived' WHERE id = 1;",
            &Options::default(),
        );
        assert_eq!(codes(&diags), ["enum-value-used-in-same-transaction"]);
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

    fn dir_with(up: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("202401010000_a.up.sql"), up).unwrap();
        std::fs::write(dir.path().join("202401010000_a.down.sql"), "").unwrap();
        dir
    }

    #[test]
    fn deeply_nested_valid_sql_is_accepted() {
        // Both nest deeper than prost's default decoding limit of 100, and the server runs both.
        let sum = format!("SELECT {};", vec!["1"; 50].join(" + "));
        let columns: Vec<String> = (0..45).map(|i| format!("c{i}")).collect();
        let view = format!(
            "CREATE TABLE docs ({} text);\nCREATE VIEW search AS SELECT {} AS document FROM docs;",
            columns.join(" text, "),
            columns.join(" || ' ' || ")
        );
        for sql in [sum, view] {
            let dir = dir_with(&sql);
            let analysis = analyze_dir(dir.path(), "m", &Options::default());
            assert!(
                analysis.diagnostics.is_empty(),
                "{:#?}",
                analysis.diagnostics
            );
            assert_eq!(analysis.migrations.len(), 1);
        }
    }

    #[test]
    fn nesting_the_server_refuses_is_its_own_error_not_a_syntax_error() {
        let dir = dir_with(&format!("SELECT {};", vec!["1"; 20_000].join(" + ")));
        let analysis = analyze_dir(dir.path(), "m", &Options::default());
        assert_eq!(codes(&analysis.diagnostics), ["statement-too-deep"]);
        let d = &analysis.diagnostics[0];
        assert!(d.message.contains("stack depth limit exceeded"), "{d}");
        assert!(
            d.why.as_deref().unwrap().contains("the server refuses"),
            "{d}"
        );
    }

    #[test]
    fn a_byte_order_mark_is_accepted_and_offsets_stay_those_of_the_file() {
        let text = "\u{feff}CREATE TABLE a (id int);\nALTER TABLE cases DROP COLUMN title;";
        let (file, diags) = up(text, &Options::default());
        assert_eq!(codes(&diags), ["drop-column"]);
        assert_eq!(diags[0].location(), "m/1_a.up.sql:2:19");
        let file = file.unwrap();
        assert_eq!(file.statements[0].start, 3);
        assert_eq!(
            &text[file.statements[0].start..file.statements[0].end],
            "CREATE TABLE a (id int)"
        );
    }

    #[test]
    fn parallel_parsing_keeps_file_order_and_every_error() {
        let dir = tempfile::tempdir().unwrap();
        for v in 0..40 {
            let up = if v % 7 == 3 {
                format!("SELEC {v};")
            } else {
                format!("CREATE TABLE t{v} (id int);")
            };
            std::fs::write(dir.path().join(format!("2024010100{v:02}_m.up.sql")), up).unwrap();
            std::fs::write(
                dir.path().join(format!("2024010100{v:02}_m.down.sql")),
                format!("DROP TABLE t{v};"),
            )
            .unwrap();
        }
        let analysis = analyze_dir(dir.path(), "m", &Options::default());
        let ids: Vec<&str> = analysis.migrations.iter().map(|m| m.id.as_str()).collect();
        let expected: Vec<String> = (0..40)
            .filter(|v| v % 7 != 3)
            .map(|v| format!("2024010100{v:02}_m"))
            .collect();
        assert_eq!(ids, expected);
        let errors: Vec<String> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.location())
            .collect();
        let expected: Vec<String> = (0..40)
            .filter(|v| v % 7 == 3)
            .map(|v| format!("m/2024010100{v:02}_m.up.sql:1:1"))
            .collect();
        assert_eq!(errors, expected);
    }
}
