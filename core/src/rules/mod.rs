//! Guardrails: checks that an allow comment can turn off for one statement. One file per rule,
//! registered in [`RULES`].
//!
//! A rule looks at one statement and reports what would break or block production. Rules of
//! [`Category::Breaking`] check up files only, and never a statement on a table created
//! earlier in the same migration: nothing can be using that table yet.

use crate::pg::ScanToken;

use crate::classify::{Classification, TableName};
use crate::pg::NodeEnum;
use crate::pg::protobuf::{
    AlterTableCmd, AlterTableStmt, AlterTableType, ColumnDef, Constraint, ObjectType, TypeName,
};
use crate::schema::Schema;
use crate::split::{ParsedFile, ParsedStatement, is_comment};

pub(crate) mod expr;
pub mod volatile_functions;

mod add_check_constraint;
mod add_column_not_null_without_default;
mod add_column_serial_or_identity;
mod add_column_stored_generated;
mod add_column_volatile_default;
mod add_exclusion_constraint;
mod add_foreign_key;
mod add_primary_key;
mod add_unique_constraint;
mod alter_domain_add_constraint;
mod alter_enum_rename_value;
mod change_column_type;
mod cluster;
mod create_index_non_concurrently;
mod delete_without_where;
mod detach_partition_non_concurrently;
mod drop_column;
mod drop_database;
mod drop_function;
mod drop_index_non_concurrently;
mod drop_not_null;
mod drop_schema;
mod drop_sequence;
mod drop_table;
mod drop_type;
mod drop_view;
mod lock_table;
mod prefer_bigint;
mod prefer_identity;
mod prefer_robust_statements;
mod prefer_text_field;
mod prefer_timestamptz;
mod refresh_materialized_view_without_concurrently;
mod reindex_without_concurrently;
mod rename_column;
mod rename_table;
mod session_set;
mod set_not_null;
mod set_table_logged_or_unlogged;
mod set_tablespace;
mod truncate_table;
mod update_without_where;
mod vacuum_full;
mod validate_in_same_transaction;

/// Which switch turns a rule off for a whole build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Category {
    /// Breaks the release that is still running during a deploy. Turned off by
    /// `ALLOW_BREAKING_MIGRATIONS=true`.
    Breaking,
    /// Leaves something behind that outlives the migration (a setting of the session). Only an
    /// allow comment turns it off, for one statement.
    Safety,
    /// Holds a lock that blocks the application (or rewrites a table) on a table in use. Only an
    /// allow comment turns it off, for one statement.
    Locking,
    /// Changes rows in a way that belongs outside a schema migration (a table-wide `UPDATE`).
    /// Only an allow comment turns it off, for one statement.
    Data,
    /// A better habit, not a danger: reported as [`crate::Severity::Advice`], which never fails
    /// a build. An allow comment silences it for one statement.
    Advice,
}

impl Category {
    /// Whether rules of this category check down files too. Breaking-change rules do not: a
    /// down file is expected to undo things.
    pub fn checks_down_files(self) -> bool {
        match self {
            Category::Breaking | Category::Locking | Category::Data | Category::Advice => false,
            Category::Safety => true,
        }
    }
}

/// A guardrail.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, used in allow comments and output (`drop-column`).
    pub id: &'static str,
    /// Which switch turns it off.
    pub category: Category,
    /// One line for docs and listings.
    pub summary: &'static str,
    /// Why the flagged statement is unsafe in production.
    pub why: &'static str,
    /// The source file defining the rule (checked against the id by a test).
    pub source_file: &'static str,
    /// Looks at one statement.
    pub check: fn(&Context<'_>) -> Vec<Finding>,
}

/// Every rule, in the order their findings are reported.
pub static RULES: &[&Rule] = &[
    &drop_table::RULE,
    &drop_column::RULE,
    &rename_table::RULE,
    &rename_column::RULE,
    &change_column_type::RULE,
    &drop_schema::RULE,
    &drop_database::RULE,
    &truncate_table::RULE,
    &drop_not_null::RULE,
    &drop_type::RULE,
    &drop_view::RULE,
    &drop_function::RULE,
    &drop_sequence::RULE,
    &alter_enum_rename_value::RULE,
    &session_set::RULE,
    &add_foreign_key::RULE,
    &add_check_constraint::RULE,
    &validate_in_same_transaction::RULE,
    &add_unique_constraint::RULE,
    &add_primary_key::RULE,
    &add_exclusion_constraint::RULE,
    &set_not_null::RULE,
    &add_column_volatile_default::RULE,
    &add_column_serial_or_identity::RULE,
    &add_column_stored_generated::RULE,
    &add_column_not_null_without_default::RULE,
    &create_index_non_concurrently::RULE,
    &drop_index_non_concurrently::RULE,
    &reindex_without_concurrently::RULE,
    &vacuum_full::RULE,
    &cluster::RULE,
    &lock_table::RULE,
    &refresh_materialized_view_without_concurrently::RULE,
    &set_table_logged_or_unlogged::RULE,
    &set_tablespace::RULE,
    &detach_partition_non_concurrently::RULE,
    &alter_domain_add_constraint::RULE,
    &update_without_where::RULE,
    &delete_without_where::RULE,
    &prefer_bigint::RULE,
    &prefer_text_field::RULE,
    &prefer_timestamptz::RULE,
    &prefer_identity::RULE,
    &prefer_robust_statements::RULE,
];

/// The ids of every rule.
pub fn ids() -> Vec<&'static str> {
    RULES.iter().map(|r| r.id).collect()
}

/// Looks a rule up by id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// One statement, with what a rule may need to judge it.
#[derive(Debug)]
pub struct Context<'a> {
    /// The whole file's text.
    pub text: &'a str,
    /// The whole parsed file (tokens included).
    pub file: &'a ParsedFile,
    /// The statement under review.
    pub statement: &'a ParsedStatement,
    /// Its classification.
    pub class: &'a Classification,
    /// Tables created earlier in the same migration: nothing can use them yet, so they are
    /// exempt from every rule.
    pub created: &'a [TableName],
    /// The schema as every earlier statement of the set left it.
    pub schema: &'a Schema,
    /// The set's settings (`pgshift.toml`): the target PostgreSQL version, the time zone.
    pub config: &'a crate::config::Config,
}

/// A constraint an `ALTER TABLE` adds (see [`Context::added_constraints`]).
#[derive(Debug)]
pub struct Added<'a> {
    /// The constraint.
    pub constraint: &'a Constraint,
    /// Where it is written.
    pub span: (usize, usize),
    /// The column it is written on, for an inline constraint of `ADD COLUMN`.
    pub column: Option<&'a ColumnDef>,
}

impl Added<'_> {
    /// Its name as written, or the name PostgreSQL gives it (`<table>_<columns>_<suffix>`).
    pub fn name(&self, table: &str, suffix: &str) -> String {
        if !self.constraint.conname.is_empty() {
            return self.constraint.conname.clone();
        }
        let mut parts = vec![table.to_string()];
        parts.extend(self.columns());
        parts.push(suffix.to_string());
        parts.join("_")
    }

    /// The columns it constrains as written (keys, or the inline column).
    pub fn columns(&self) -> Vec<String> {
        let names = |list: &[crate::pg::protobuf::Node]| -> Vec<String> {
            list.iter()
                .filter_map(|n| match &n.node {
                    Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                    _ => None,
                })
                .collect()
        };
        let mut cols = names(&self.constraint.keys);
        if cols.is_empty() {
            cols = names(&self.constraint.fk_attrs);
        }
        if cols.is_empty()
            && let Some(c) = self.column
        {
            cols.push(c.colname.clone());
        }
        cols
    }

    /// Whether it is of the given kind.
    pub fn is(&self, kind: crate::pg::protobuf::ConstrType) -> bool {
        self.constraint.contype == kind as i32
    }
}

/// What a rule reports about a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Byte offset in the file to point at.
    pub offset: usize,
    /// Bytes to underline.
    pub len: usize,
    /// What is wrong, naming the objects.
    pub message: String,
    /// The safe alternative, naming the objects.
    pub help: String,
}

impl Context<'_> {
    fn code_tokens(&self) -> impl Iterator<Item = &ScanToken> {
        self.file
            .tokens_of(self.statement)
            .iter()
            .filter(|t| !is_comment(t))
    }

    /// Whether `table` was created earlier in the same migration.
    pub fn is_new(&self, table: &TableName) -> bool {
        self.created.iter().any(|c| c.matches(table))
    }

    /// For a `DROP` of one of `kinds` (tables, views, sequences: objects named by a qualified
    /// name): its kind and the names it drops, in order.
    pub fn dropped(&self, kinds: &[ObjectType]) -> Option<(ObjectType, Vec<TableName>)> {
        let NodeEnum::DropStmt(drop) = &self.statement.node else {
            return None;
        };
        let kind = ObjectType::try_from(drop.remove_type)
            .ok()
            .filter(|k| kinds.contains(k))?;
        let names = drop
            .objects
            .iter()
            .filter_map(|n| match &n.node {
                Some(NodeEnum::List(l)) => TableName::from_name_list(&l.items),
                _ => None,
            })
            .collect();
        Some((kind, names))
    }

    /// Whether a later statement of the same file satisfies `recreates`: a view or function
    /// dropped and created again in one migration is replaced, not gone, once it commits.
    pub fn recreated_later(&self, recreates: impl Fn(&NodeEnum) -> bool) -> bool {
        self.file
            .statements
            .iter()
            .filter(|s| s.start > self.statement.start)
            .any(|s| recreates(&s.node))
    }

    /// Whether `column` of the statement's table was added earlier in the same migration:
    /// the running release has never seen it.
    pub fn column_is_new(&self, column: &str) -> bool {
        self.class
            .table
            .as_ref()
            .and_then(|t| self.schema.table(t))
            .and_then(|t| t.column(column))
            .is_some_and(|c| c.added_in == self.schema.migration())
    }

    /// Whether the statement's own table was created earlier in the same migration.
    pub fn on_new_table(&self) -> bool {
        self.class.table.as_ref().is_some_and(|t| self.is_new(t))
    }

    /// Finds a clause: `keyword`, then any of `skip` words, then the identifier `name`.
    /// Returns the span from the keyword to the end of the name, or the statement's first
    /// token when not found.
    pub fn locate(&self, keyword: &str, skip: &[&str], name: &str) -> (usize, usize) {
        let tokens: Vec<&ScanToken> = self.code_tokens().collect();
        let text_of = |t: &ScanToken| &self.text[t.start as usize..t.end as usize];
        for (i, t) in tokens.iter().enumerate() {
            if !text_of(t).eq_ignore_ascii_case(keyword) {
                continue;
            }
            let mut j = i + 1;
            while j < tokens.len()
                && skip
                    .iter()
                    .any(|s| text_of(tokens[j]).eq_ignore_ascii_case(s))
            {
                j += 1;
            }
            if j < tokens.len() && ident_eq(text_of(tokens[j]), name) {
                let start = t.start as usize;
                return (start, tokens[j].end as usize - start);
            }
        }
        self.whole()
    }

    /// The statement's first token.
    pub fn whole(&self) -> (usize, usize) {
        let first = &self.file.tokens[self.statement.first_token];
        (first.start as usize, (first.end - first.start) as usize)
    }

    /// The span of the statement, up to the end of its first line.
    pub fn first_line(&self) -> (usize, usize) {
        let s = &self.text[self.statement.start..self.statement.end];
        (self.statement.start, s.lines().next().unwrap_or(s).len())
    }

    /// The statement when it is an `ALTER TABLE` on a table not created earlier in the same
    /// migration (`ALTER INDEX`, `ALTER VIEW` and `ALTER TYPE` parse to the same node: not these).
    pub fn alter_existing_table(&self) -> Option<&AlterTableStmt> {
        let NodeEnum::AlterTableStmt(alter) = &self.statement.node else {
            return None;
        };
        let on_table = matches!(
            ObjectType::try_from(alter.objtype),
            Ok(ObjectType::ObjectTable | ObjectType::ObjectForeignTable)
        );
        (on_table && !self.on_new_table()).then_some(alter)
    }

    /// The sub-commands of an `ALTER TABLE` (any object kind), each with the span of its own
    /// text: the statement is split at its top-level commas, so `ALTER TABLE t ADD a int, ADD
    /// b int` gives `ADD a int` and `ADD b int`. When the text does not split into as many parts
    /// as there are sub-commands, each gets the statement's first token.
    pub fn alter_cmds(&self) -> Vec<(&AlterTableCmd, (usize, usize))> {
        let NodeEnum::AlterTableStmt(alter) = &self.statement.node else {
            return Vec::new();
        };
        let cmds: Vec<&AlterTableCmd> = alter
            .cmds
            .iter()
            .filter_map(|n| match &n.node {
                Some(NodeEnum::AlterTableCmd(c)) => Some(&**c),
                _ => None,
            })
            .collect();
        let spans = self.segments(alter.relation.as_ref().map(|r| r.location));
        if spans.len() == cmds.len() {
            cmds.into_iter().zip(spans).collect()
        } else {
            let whole = self.whole();
            cmds.into_iter().map(|c| (c, whole)).collect()
        }
    }

    /// The statement's text split at top-level commas, the first part starting after the
    /// relation name that starts at byte `relation`.
    fn segments(&self, relation: Option<i32>) -> Vec<(usize, usize)> {
        let tokens: Vec<&ScanToken> = self.code_tokens().collect();
        let text_of = |t: &ScanToken| &self.text[t.start as usize..t.end as usize];
        let mut i = 0;
        if let Some(at) = relation.and_then(|r| usize::try_from(r).ok()) {
            while i < tokens.len() && (tokens[i].start as usize) < at {
                i += 1;
            }
            // The name: `a`, `a.b`, `"A"."b"`, then an optional `*`.
            i += 1;
            while i + 1 < tokens.len() && text_of(tokens[i]) == "." {
                i += 2;
            }
            if i < tokens.len() && text_of(tokens[i]) == "*" {
                i += 1;
            }
        }
        let mut spans = Vec::new();
        let mut depth = 0i32;
        let mut start: Option<usize> = None;
        let mut end = 0usize;
        for t in &tokens[i.min(tokens.len())..] {
            let s = text_of(t);
            if depth == 0 && s == "," {
                if let Some(st) = start.take() {
                    spans.push((st, end - st));
                }
                continue;
            }
            match s {
                "(" | "[" => depth += 1,
                ")" | "]" => depth -= 1,
                _ => {}
            }
            start.get_or_insert(t.start as usize);
            end = t.end as usize;
        }
        if let Some(st) = start {
            spans.push((st, end - st));
        }
        spans
    }

    /// The span from byte `location` (a parse-tree location) to the end of the sub-command
    /// `within` that holds it; `within` itself when the location is outside it.
    pub fn from_location(&self, location: i32, within: (usize, usize)) -> (usize, usize) {
        match usize::try_from(location) {
            Ok(at) if at >= within.0 && at < within.0 + within.1 => (at, within.0 + within.1 - at),
            _ => within,
        }
    }

    /// The constraints an `ALTER TABLE` on an existing table adds: `ADD CONSTRAINT ...` and
    /// the inline constraints of `ADD COLUMN ...` (with that column), each with its span.
    pub fn added_constraints(&self) -> Vec<Added<'_>> {
        if self.alter_existing_table().is_none() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (cmd, span) in self.alter_cmds() {
            match (
                AlterTableType::try_from(cmd.subtype),
                cmd.def.as_deref().and_then(|d| d.node.as_ref()),
            ) {
                (Ok(AlterTableType::AtAddConstraint), Some(NodeEnum::Constraint(c))) => {
                    out.push(Added {
                        constraint: c,
                        span: self.from_location(c.location, span),
                        column: None,
                    })
                }
                (Ok(AlterTableType::AtAddColumn), Some(NodeEnum::ColumnDef(d))) => {
                    for n in &d.constraints {
                        if let Some(NodeEnum::Constraint(c)) = &n.node {
                            out.push(Added {
                                constraint: c,
                                span: self.from_location(c.location, span),
                                column: Some(d),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The columns an `ALTER TABLE` on an existing table adds, each with its sub-command's span.
    pub fn added_columns(&self) -> Vec<(&ColumnDef, (usize, usize))> {
        if self.alter_existing_table().is_none() {
            return Vec::new();
        }
        self.alter_cmds()
            .into_iter()
            .filter_map(
                |(cmd, span)| match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                    Some(NodeEnum::ColumnDef(d))
                        if cmd.subtype == AlterTableType::AtAddColumn as i32 =>
                    {
                        Some((&**d, span))
                    }
                    _ => None,
                },
            )
            .collect()
    }

    /// The sub-commands of an `ALTER TABLE` on an existing table of the given type, with spans.
    pub fn cmds_of(&self, subtype: AlterTableType) -> Vec<(&AlterTableCmd, (usize, usize))> {
        if self.alter_existing_table().is_none() {
            return Vec::new();
        }
        self.alter_cmds()
            .into_iter()
            .filter(|(c, _)| c.subtype == subtype as i32)
            .collect()
    }

    /// Every column type the statement declares: the columns of `CREATE TABLE`, `ADD COLUMN`
    /// and `ALTER COLUMN ... TYPE` (on any table: advice applies to new tables too), each with
    /// the column's name and the span of the type's first token.
    pub fn declared_types(&self) -> Vec<(String, &TypeName, (usize, usize))> {
        let mut out = Vec::new();
        match &self.statement.node {
            NodeEnum::CreateStmt(create) => {
                for elt in &create.table_elts {
                    if let Some(NodeEnum::ColumnDef(c)) = &elt.node
                        && let Some(t) = &c.type_name
                    {
                        out.push((c.colname.clone(), t, self.token_at(t.location)));
                    }
                }
            }
            NodeEnum::AlterTableStmt(_) => {
                for (cmd, _) in self.alter_cmds() {
                    let Some(NodeEnum::ColumnDef(c)) =
                        cmd.def.as_deref().and_then(|d| d.node.as_ref())
                    else {
                        continue;
                    };
                    let name = if c.colname.is_empty() {
                        cmd.name.clone()
                    } else {
                        c.colname.clone()
                    };
                    let is_type = cmd.subtype == AlterTableType::AtAddColumn as i32
                        || cmd.subtype == AlterTableType::AtAlterColumnType as i32;
                    if is_type && let Some(t) = &c.type_name {
                        out.push((name, t, self.token_at(t.location)));
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// The span of the token that starts at byte `location`, or the statement's first token.
    pub fn token_at(&self, location: i32) -> (usize, usize) {
        let Ok(at) = usize::try_from(location) else {
            return self.whole();
        };
        let tokens = self.file.tokens_of(self.statement);
        match tokens.binary_search_by_key(&at, |t| t.start as usize) {
            Ok(i) => (at, (tokens[i].end - tokens[i].start) as usize),
            Err(_) => self.whole(),
        }
    }

    /// The statement's table without its schema, as PostgreSQL uses it in generated names.
    pub fn bare_table(&self) -> String {
        self.class
            .table
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_else(|| "?".into())
    }

    /// The statement's table, for messages.
    pub fn table(&self) -> String {
        self.class
            .table
            .as_ref()
            .map(TableName::to_string)
            .unwrap_or_else(|| "?".into())
    }
}

/// Compares an identifier token with a name from the parse tree.
fn ident_eq(token: &str, name: &str) -> bool {
    match token.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\"") == name,
        None => token.to_lowercase() == name,
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::classify::classify;
    use crate::split::parse_sql;

    /// Runs one rule over every statement of `sql` (no history, no exemptions, no allow
    /// comments).
    pub fn check(rule: &Rule, sql: &str) -> Vec<(String, Finding)> {
        let file = parse_sql(sql).unwrap();
        let schema = Schema::new();
        let mut out = Vec::new();
        for statement in &file.statements {
            let class = classify(&file, statement);
            let ctx = Context {
                text: sql,
                file: &file,
                statement,
                class: &class,
                created: &[],
                schema: &schema,
                config: &crate::config::Config::default(),
            };
            for f in (rule.check)(&ctx) {
                out.push((sql[f.offset..f.offset + f.len].to_string(), f));
            }
        }
        out
    }

    /// The schema after `before`, applied as one earlier migration.
    pub fn history(before: &str) -> Schema {
        let mut schema = Schema::new();
        schema.begin_migration();
        for s in parse_sql(before).unwrap().statements {
            schema.apply(&s.node);
        }
        schema.begin_migration();
        schema
    }

    /// Runs one rule over `sql` as a migration after the migration `before`: the schema model
    /// and the same-migration exemption apply, allow comments do not.
    pub fn check_after(rule: &Rule, before: &str, sql: &str) -> Vec<(String, Finding)> {
        check_after_with(rule, &crate::config::Config::default(), before, sql)
    }

    /// [`check_after`] with the settings of a `pgshift.toml` (the target version).
    pub fn check_after_with(
        rule: &Rule,
        config: &crate::config::Config,
        before: &str,
        sql: &str,
    ) -> Vec<(String, Finding)> {
        let file = parse_sql(sql).unwrap();
        let mut schema = history(before);
        let mut created = Vec::new();
        let mut out = Vec::new();
        for statement in &file.statements {
            let class = classify(&file, statement);
            let ctx = Context {
                text: sql,
                file: &file,
                statement,
                class: &class,
                created: &created,
                schema: &schema,
                config,
            };
            for f in (rule.check)(&ctx) {
                out.push((sql[f.offset..f.offset + f.len].to_string(), f));
            }
            crate::analyze::track_created_tables(&statement.node, &class, &mut created);
            schema.apply(&statement.node);
        }
        out
    }

    /// The error codes the whole analysis reports for the up file `sql`, after the migration
    /// `before` (allow comments, categories and every rule included; advice left out).
    pub fn codes_after(before: &str, sql: &str) -> Vec<&'static str> {
        codes_after_with(&crate::config::Config::default(), before, sql)
    }

    /// [`codes_after`] with the settings of a `pgshift.toml` (the target version, rules
    /// switched off, advice denied).
    pub fn codes_after_with(
        config: &crate::config::Config,
        before: &str,
        sql: &str,
    ) -> Vec<&'static str> {
        let mut schema = history(before);
        crate::analyze::check_up_text_with(sql, &mut schema, config)
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code)
            .collect()
    }

    /// The advice codes the whole analysis reports for the up file `sql`.
    pub fn advice(sql: &str) -> Vec<&'static str> {
        let mut schema = history("");
        crate::analyze::check_up_text(sql, &mut schema)
            .iter()
            .filter(|d| !d.is_error())
            .map(|d| d.code)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_id_matches_its_file_name() {
        for rule in RULES {
            let stem = std::path::Path::new(rule.source_file)
                .file_stem()
                .unwrap()
                .to_str()
                .unwrap();
            assert_eq!(
                rule.id.replace('-', "_"),
                stem,
                "rule {} lives in {}",
                rule.id,
                rule.source_file
            );
        }
    }

    #[test]
    fn every_rule_has_a_section_in_docs_rules_md() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rules.md");
        let docs = std::fs::read_to_string(path).unwrap();
        let mut documented: Vec<&str> = docs
            .lines()
            .filter_map(|l| l.strip_prefix("### `")?.strip_suffix('`'))
            .collect();
        let mut registered = ids();
        documented.sort();
        registered.sort();
        assert_eq!(
            documented, registered,
            "docs/rules.md sections vs the registry"
        );
        for rule in RULES {
            let section = docs.split(&format!("### `{}`", rule.id)).nth(1).unwrap();
            let section = section.split("\n### ").next().unwrap();
            for part in [
                "**Catches**",
                "**Lock**",
                "**Safe alternative**",
                "**Allow**",
            ] {
                assert!(section.contains(part), "{}: no {part}", rule.id);
            }
        }
    }

    #[test]
    fn ids_are_unique() {
        let mut ids = ids();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }
}
