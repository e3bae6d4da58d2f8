//! The migration set: what `embed_migrations!()` emits and what the on-disk loader builds.
//!
//! Every type holds `Cow<'static, ...>` so the same type serves the embedded (static) and the
//! loaded (owned) case. Everything the runtime needs to know about a statement was computed by
//! the analysis (at compile time for embedded sets): the runtime never parses SQL.

use std::borrow::Cow;
use std::fmt;

macro_rules! statement_kinds {
    ($($variant:ident => $label:literal,)*) => {
        /// The kind of a statement, as the analysis classified it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum StatementKind {
            $(#[doc = $label] $variant,)*
        }

        impl StatementKind {
            /// Every kind.
            pub const ALL: &'static [StatementKind] = &[$(StatementKind::$variant,)*];

            /// A human label (`"CREATE TABLE"`).
            pub fn label(self) -> &'static str {
                match self { $(StatementKind::$variant => $label,)* }
            }

            /// The variant by its name (`"CreateTable"`), as `pgshift-core` names it.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $(stringify!($variant) => Some(StatementKind::$variant),)* _ => None }
            }
        }
    };
}

statement_kinds! {
    CreateTable => "CREATE TABLE",
    CreateTableAs => "CREATE TABLE AS",
    AlterTable => "ALTER TABLE",
    DropTable => "DROP TABLE",
    Rename => "RENAME",
    CreateIndex => "CREATE INDEX",
    DropIndex => "DROP INDEX",
    Reindex => "REINDEX",
    CreateView => "CREATE VIEW",
    CreateMaterializedView => "CREATE MATERIALIZED VIEW",
    RefreshMaterializedView => "REFRESH MATERIALIZED VIEW",
    CreateSequence => "CREATE SEQUENCE",
    AlterSequence => "ALTER SEQUENCE",
    CreateType => "CREATE TYPE",
    AlterType => "ALTER TYPE",
    CreateFunction => "CREATE FUNCTION",
    CreateTrigger => "CREATE TRIGGER",
    CreateExtension => "CREATE EXTENSION",
    CreateSchema => "CREATE SCHEMA",
    Drop => "DROP",
    Insert => "INSERT",
    Update => "UPDATE",
    Delete => "DELETE",
    Merge => "MERGE",
    Select => "SELECT",
    Copy => "COPY",
    Truncate => "TRUNCATE",
    Vacuum => "VACUUM",
    Analyze => "ANALYZE",
    Cluster => "CLUSTER",
    Grant => "GRANT",
    Comment => "COMMENT",
    Set => "SET",
    Do => "DO",
    CreateDatabase => "CREATE DATABASE",
    TransactionControl => "transaction control",
    Other => "other",
}

impl fmt::Display for StatementKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Whether a statement can run inside its migration's transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransactionMode {
    /// Runs inside the migration's transaction.
    Transactional,
    /// Runs outside a transaction because it runs `CONCURRENTLY`.
    Concurrently {
        /// The equivalent transactional statement, which test mode and the reversibility
        /// check run: written at compile time from the parse tree with the concurrent option
        /// removed. Empty for a script rebuilt from the history (only ever run for real).
        transactional_sql: Cow<'static, str>,
    },
    /// Runs outside any transaction and has no transactional form (`VACUUM`, ...).
    Autocommit,
}

impl TransactionMode {
    /// Whether the statement runs inside the migration's transaction.
    pub fn is_transactional(&self) -> bool {
        matches!(self, TransactionMode::Transactional)
    }
}

impl fmt::Display for TransactionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransactionMode::Transactional => "in transaction",
            TransactionMode::Concurrently { .. } => "outside transaction (CONCURRENTLY)",
            TransactionMode::Autocommit => "outside transaction",
        })
    }
}

/// One statement of a script: where it is and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Statement {
    /// Byte offset of the statement in the script's SQL.
    pub start: u32,
    /// Byte offset just past its last token (the `;` excluded).
    pub end: u32,
    /// 1-based line where it starts.
    pub line: u32,
    /// 1-based column (in characters) where it starts.
    pub column: u32,
    /// What it is.
    pub kind: StatementKind,
    /// Whether it runs inside the migration's transaction.
    pub transaction: TransactionMode,
    /// The table it acts on, if any (`schema.table` when the SQL qualifies it).
    pub table: Option<Cow<'static, str>>,
    /// The object it creates or drops when that is not the table (an index's name).
    pub object: Option<Cow<'static, str>>,
    /// For a plain `CREATE INDEX` / `DROP INDEX` on a table that existed before the
    /// migration: the same statement with `CONCURRENTLY`, written at compile time from the
    /// parse tree; run instead when `INDEX_CONCURRENT=1` (see [`crate::Migrator::index_concurrent`]).
    pub concurrent_sql: Option<Cow<'static, str>>,
    /// What runs instead of the file's text (the concurrent form, once chosen).
    pub(crate) replacement: Option<Cow<'static, str>>,
}

impl Statement {
    /// Builds a statement (used by the loader; the macro uses the const constructor).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        start: u32,
        end: u32,
        line: u32,
        column: u32,
        kind: StatementKind,
        transaction: TransactionMode,
        table: Option<String>,
        object: Option<String>,
    ) -> Self {
        Statement {
            start,
            end,
            line,
            column,
            kind,
            transaction,
            table: table.map(Cow::Owned),
            object: object.map(Cow::Owned),
            concurrent_sql: None,
            replacement: None,
        }
    }

    /// Sets the concurrent form (the loader's analysis computed it).
    pub fn with_concurrent_sql(mut self, sql: Option<String>) -> Self {
        self.concurrent_sql = sql.map(Cow::Owned);
        self
    }

    /// This statement as `INDEX_CONCURRENT=1` runs it: its concurrent form, outside the
    /// transaction, with the original as the transactional form test mode runs. `None` when it
    /// has no concurrent form.
    pub(crate) fn made_concurrent(&self, original: &str) -> Option<Statement> {
        let sql = self.concurrent_sql.clone()?;
        let mut s = self.clone();
        s.transaction = TransactionMode::Concurrently {
            transactional_sql: Cow::Owned(original.to_string()),
        };
        s.replacement = Some(sql);
        Some(s)
    }

    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __new(
        start: u32,
        end: u32,
        line: u32,
        column: u32,
        kind: StatementKind,
        transaction: TransactionMode,
        table: Option<&'static str>,
        object: Option<&'static str>,
        concurrent_sql: Option<&'static str>,
    ) -> Self {
        Statement {
            start,
            end,
            line,
            column,
            kind,
            transaction,
            table: match table {
                Some(t) => Some(Cow::Borrowed(t)),
                None => None,
            },
            object: match object {
                Some(o) => Some(Cow::Borrowed(o)),
                None => None,
            },
            concurrent_sql: match concurrent_sql {
                Some(c) => Some(Cow::Borrowed(c)),
                None => None,
            },
            replacement: None,
        }
    }
}

/// An up or down file: its SQL, checksum and statements.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Script {
    /// The file's path as written in the project (`db/managed-migrations/x.up.sql`).
    pub path: Cow<'static, str>,
    /// The file's text.
    pub sql: Cow<'static, str>,
    /// SHA-256 of the file (with `\r\n` normalised to `\n`), lowercase hex: verifies the
    /// down SQL stored in the history.
    pub checksum: Cow<'static, str>,
    /// SHA-256 of the file's SQL tokens without comments (`pgshift_core::tokens_checksum`):
    /// what drift detection compares, so comment-only and layout-only edits are not drift.
    pub tokens_checksum: Cow<'static, str>,
    /// Its statements, in order.
    pub statements: Cow<'static, [Statement]>,
}

impl Script {
    /// Builds a script (used by the loader; the macro uses the const constructor). Its
    /// tokens checksum is the byte checksum until [`Script::with_tokens_checksum`] sets it.
    pub fn new(path: String, sql: String, checksum: String, statements: Vec<Statement>) -> Self {
        Script {
            path: Cow::Owned(path),
            sql: Cow::Owned(sql),
            tokens_checksum: Cow::Owned(checksum.clone()),
            checksum: Cow::Owned(checksum),
            statements: Cow::Owned(statements),
        }
    }

    /// Sets the checksum of the SQL tokens, computed by the analysis.
    pub fn with_tokens_checksum(mut self, tokens_checksum: String) -> Self {
        self.tokens_checksum = Cow::Owned(tokens_checksum);
        self
    }

    #[doc(hidden)]
    pub const fn __new(
        path: &'static str,
        sql: &'static str,
        checksum: &'static str,
        tokens_checksum: &'static str,
        statements: &'static [Statement],
    ) -> Self {
        Script {
            path: Cow::Borrowed(path),
            sql: Cow::Borrowed(sql),
            checksum: Cow::Borrowed(checksum),
            tokens_checksum: Cow::Borrowed(tokens_checksum),
            statements: Cow::Borrowed(statements),
        }
    }

    /// The text of statement `index` (0-based), without its `;`: the file's, or the
    /// concurrent form that `INDEX_CONCURRENT=1` runs instead.
    pub fn statement_sql(&self, index: usize) -> &str {
        let s = &self.statements[index];
        match &s.replacement {
            Some(sql) => sql,
            None => &self.sql[s.start as usize..s.end as usize],
        }
    }

    /// This script as `INDEX_CONCURRENT=1` runs it (`None` when nothing in it changes).
    pub(crate) fn made_concurrent(&self) -> Option<Script> {
        let mut changed = false;
        let statements: Vec<Statement> = self
            .statements
            .iter()
            .map(|s| {
                let original = &self.sql[s.start as usize..s.end as usize];
                match s.made_concurrent(original) {
                    Some(c) => {
                        changed = true;
                        c
                    }
                    None => s.clone(),
                }
            })
            .collect();
        changed.then(|| Script {
            statements: Cow::Owned(statements),
            ..self.clone()
        })
    }

    /// Whether every statement runs inside a transaction.
    pub fn is_transactional(&self) -> bool {
        self.statements
            .iter()
            .all(|s| s.transaction.is_transactional())
    }
}

/// One migration: version, name, up and down script.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Migration {
    /// The version (the file name's digit prefix).
    pub version: i64,
    /// The name part of the file name.
    pub name: Cow<'static, str>,
    /// `VERSION_name`.
    pub id: Cow<'static, str>,
    /// The `.up.sql` file.
    pub up: Script,
    /// The `.down.sql` file.
    pub down: Script,
    /// Enum values its up file uses that an earlier migration adds (known at compile time):
    /// they exist only once that migration has committed.
    pub enum_value_uses: Cow<'static, [EnumValueUse]>,
}

/// An enum value that a migration uses and an earlier migration adds
/// (`ALTER TYPE ... ADD VALUE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumValueUse {
    /// The version of the migration that adds the value.
    pub added_in: i64,
    /// The value.
    pub value: Cow<'static, str>,
}

impl Migration {
    /// Builds a migration (used by the loader; the macro uses the const constructor).
    pub fn new(version: i64, name: String, id: String, up: Script, down: Script) -> Self {
        Migration {
            version,
            name: Cow::Owned(name),
            id: Cow::Owned(id),
            up,
            down,
            enum_value_uses: Cow::Borrowed(&[]),
        }
    }

    /// Sets the enum values it uses that earlier migrations add (the loader's analysis).
    pub fn with_enum_value_uses(mut self, uses: Vec<EnumValueUse>) -> Self {
        self.enum_value_uses = Cow::Owned(uses);
        self
    }

    #[doc(hidden)]
    pub const fn __new(
        version: i64,
        name: &'static str,
        id: &'static str,
        up: Script,
        down: Script,
        enum_value_uses: &'static [EnumValueUse],
    ) -> Self {
        Migration {
            version,
            name: Cow::Borrowed(name),
            id: Cow::Borrowed(id),
            up,
            down,
            enum_value_uses: Cow::Borrowed(enum_value_uses),
        }
    }

    /// The checksum that drift detection compares and new history rows record: the up
    /// file's tokens checksum.
    // Not a getter of `up.checksum` (the byte checksum): the name is the history's column.
    #[allow(clippy::misnamed_getters)]
    pub fn checksum(&self) -> &str {
        &self.up.tokens_checksum
    }

    /// Whether a history row's checksum is this migration's: its tokens checksum, or the byte
    /// checksum that rows written before 0.1 hold.
    pub fn matches_checksum(&self, recorded: &str) -> bool {
        recorded == self.up.tokens_checksum || recorded == self.up.checksum
    }

    /// Whether `target` names this migration, by id (`202412010001_backups`) or version.
    pub fn matches(&self, target: &str) -> bool {
        self.id == target || target.parse::<i64>().is_ok_and(|v| v == self.version)
    }
}

impl fmt::Display for Migration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// An ordered set of migrations, usually `static MIGRATIONS: Migrations = embed_migrations!();`.
#[derive(Clone)]
pub struct Migrations {
    list: Cow<'static, [Migration]>,
    /// What `embed_migrations!()` emitted: the table and the texts, decoded into `decoded` on
    /// first use.
    embedded: Option<(&'static [u8], &'static str)>,
    decoded: std::sync::OnceLock<Vec<Migration>>,
}

impl Migrations {
    #[doc(hidden)]
    pub const fn __new(list: &'static [Migration]) -> Self {
        Migrations {
            list: Cow::Borrowed(list),
            embedded: None,
            decoded: std::sync::OnceLock::new(),
        }
    }

    #[doc(hidden)]
    pub const fn __embedded(table: &'static [u8], texts: &'static str) -> Self {
        Migrations {
            list: Cow::Borrowed(&[]),
            embedded: Some((table, texts)),
            decoded: std::sync::OnceLock::new(),
        }
    }

    /// A set from migrations built at run time (sorted by version here).
    pub fn from_vec(mut list: Vec<Migration>) -> Self {
        list.sort_by_key(|m| m.version);
        Migrations {
            list: Cow::Owned(list),
            embedded: None,
            decoded: std::sync::OnceLock::new(),
        }
    }

    /// The migrations in version order.
    pub fn as_slice(&self) -> &[Migration] {
        match self.embedded {
            Some((table, texts)) => self
                .decoded
                .get_or_init(|| crate::embedded::decode(table, texts)),
            None => &self.list,
        }
    }

    /// Iterates in version order.
    pub fn iter(&self) -> std::slice::Iter<'_, Migration> {
        self.as_slice().iter()
    }

    /// How many migrations the set holds.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// The migration named by `target` (id or version).
    pub fn find(&self, target: &str) -> Option<&Migration> {
        self.iter().find(|m| m.matches(target))
    }
}

impl PartialEq for Migrations {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Migrations {}

impl fmt::Debug for Migrations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<'a> IntoIterator for &'a Migrations {
    type Item = &'a Migration;
    type IntoIter = std::slice::Iter<'a, Migration>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
