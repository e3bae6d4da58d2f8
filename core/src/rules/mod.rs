//! Guardrails: checks that an allow comment can turn off for one statement. One file per rule,
//! registered in [`RULES`].
//!
//! A rule looks at one statement and reports what would break or block production. Rules of
//! [`Category::Breaking`] check up files only, and never a statement on a table created
//! earlier in the same migration: nothing can be using that table yet.

use crate::pg::ScanToken;

use crate::classify::{Classification, TableName};
use crate::split::{ParsedFile, ParsedStatement, is_comment};

mod change_column_type;
mod drop_column;
mod drop_table;
mod rename_column;
mod rename_table;
mod session_set;

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
}

impl Category {
    /// Whether rules of this category check down files too. Breaking-change rules do not: a
    /// down file is expected to undo things.
    pub fn checks_down_files(self) -> bool {
        match self {
            Category::Breaking => false,
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
    &session_set::RULE,
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

    /// Runs one rule over every statement of `sql` (no exemptions, no allow comments).
    pub fn check(rule: &Rule, sql: &str) -> Vec<(String, Finding)> {
        let file = parse_sql(sql).unwrap();
        let mut out = Vec::new();
        for statement in &file.statements {
            let class = classify(&file, statement);
            let ctx = Context {
                text: sql,
                file: &file,
                statement,
                class: &class,
                created: &[],
            };
            for f in (rule.check)(&ctx) {
                out.push((sql[f.offset..f.offset + f.len].to_string(), f));
            }
        }
        out
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
    fn ids_are_unique() {
        let mut ids = ids();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }
}
