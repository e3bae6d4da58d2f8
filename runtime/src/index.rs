//! Typed SQL for index migrations: `CREATE INDEX` and `DROP INDEX` built from a spec, every
//! identifier quoted and every value escaped, so that names and values taken from anywhere
//! cannot change what the statement does.
//!
//! [`IndexSpec::on`] starts a builder; [`IndexSpecBuilder::build`] checks the spec against what
//! PostgreSQL 15 accepts and returns an [`IndexSpec`], or an [`IndexSpecError`] that says what
//! is wrong and what to do. A spec renders its statement ([`IndexSpec::create_sql`]) and the one
//! that undoes it ([`IndexSpec::drop_sql`]); [`scaffold`] writes both as a migration pair.
//! Building and rendering are pure: no I/O, no parser, no database (only [`scaffold`],
//! [`plan_migration`] and [`MigrationPair::write`] touch the file system).
//!
//! ```
//! use pgshift::index::{ActiveFilter, IndexSpec, Key, Literal};
//!
//! let spec = IndexSpec::on("app", "cases")
//!     .column("status")
//!     .key(Key::column("created_at").desc().nulls_last())
//!     .tenant_scope("tenant_id", Literal::Int(42))
//!     .active_only(ActiveFilter::DeletedAtIsNull("deleted_at".into()))
//!     .build()?;
//! assert_eq!(spec.name(), "cases_status_created_at_tenant_42_active_idx_a610ab1a");
//! assert_eq!(
//!     spec.create_sql(),
//!     "CREATE INDEX CONCURRENTLY \"cases_status_created_at_tenant_42_active_idx_a610ab1a\" \
//!      ON \"app\".\"cases\" USING btree (\"status\", \"created_at\" DESC NULLS LAST) \
//!      WHERE \"tenant_id\" = 42 AND \"deleted_at\" IS NULL"
//! );
//! assert_eq!(
//!     spec.drop_sql(),
//!     "DROP INDEX CONCURRENTLY IF EXISTS \"app\".\"cases_status_created_at_tenant_42_active_idx_a610ab1a\""
//! );
//! # Ok::<(), pgshift::index::IndexSpecError>(())
//! ```
//!
//! # Guarantees
//!
//! - Every identifier (schema, table, index, column, operator class, collation) is written in
//!   double quotes with inner `"` doubled, so PostgreSQL reads exactly the name given, case and
//!   all (names are not case-folded: pass them as the catalog spells them, usually lowercase).
//!   Names that are empty, hold a NUL byte or exceed 63 bytes (PostgreSQL would truncate them
//!   silently) are refused.
//! - Text values are single-quoted with `'` doubled; a value holding a backslash is written
//!   `E'...'` with backslashes doubled, as PostgreSQL's `quote_literal` does, so it means the
//!   same whatever `standard_conforming_strings` says. Values with a NUL byte are refused,
//!   uuids are validated, integers are written as integers.
//! - **Not escaped**: [`Key::expression`] and [`IndexSpecBuilder::where_raw`] take SQL as
//!   written (parenthesised, never quoted). Never build them from untrusted input.
//! - Nothing panics: every problem is an [`IndexSpecError`].
//!
//! # Default names
//!
//! Without [`IndexSpecBuilder::name`], the index is named after its table, key columns (or
//! expressions), method (unless btree) and filters (`tenant_<value>`, `case_<value>`, `active`,
//! `partial`), then `idx` (`key` when unique), lowercased with every run of characters other
//! than `a-z0-9` replaced by one `_`; then `_` and the first 8 hex digits of the SHA-256 of the
//! index's definition (the `CREATE INDEX` statement without name, `CONCURRENTLY` and
//! `IF NOT EXISTS`). The readable part is cut so that the whole fits in 63 bytes. The same
//! definition always gets the same name; two definitions that differ in anything (a sort order,
//! a value, `(tenant_id)` against `(tenant, id)`) get different names. Turning `CONCURRENTLY` or
//! `IF NOT EXISTS` on or off does not rename the index.

#![warn(missing_docs)]

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

/// The longest identifier PostgreSQL keeps, in bytes; longer ones are truncated silently.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// The most columns an index can have, keys and `INCLUDE` columns together.
pub const MAX_INDEX_COLUMNS: usize = 32;

/// Hex digits of the definition's hash in a default name.
const HASH_DIGITS: usize = 8;

/// An index access method (`USING ...`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `btree`, the default: equality and ranges, sorting, `UNIQUE`, `INCLUDE`.
    #[default]
    BTree,
    /// `hash`: equality only, one key.
    Hash,
    /// `gist`: geometric types, ranges, full-text search; `INCLUDE` allowed.
    Gist,
    /// `spgist`: space-partitioned data (points, prefixes), one key; `INCLUDE` allowed.
    SpGist,
    /// `gin`: arrays, `jsonb`, full-text search, trigrams (`gin_trgm_ops`).
    Gin,
    /// `brin`: block ranges of very large, naturally ordered tables.
    Brin,
}

impl Method {
    /// The name PostgreSQL uses (`"btree"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::BTree => "btree",
            Method::Hash => "hash",
            Method::Gist => "gist",
            Method::SpGist => "spgist",
            Method::Gin => "gin",
            Method::Brin => "brin",
        }
    }

    const ALL: [Method; 6] = [
        Method::BTree,
        Method::Hash,
        Method::Gist,
        Method::SpGist,
        Method::Gin,
        Method::Brin,
    ];
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = IndexSpecError;

    /// Parses a method name as PostgreSQL spells it, in any case (`"gin"`, `"BTREE"`).
    fn from_str(s: &str) -> Result<Method, IndexSpecError> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| IndexSpecError::UnknownMethod(s.to_string()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Order {
    Asc,
    Desc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Nulls {
    First,
    Last,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Target {
    Column(String),
    Expression(String),
}

/// One key of an index: a column or an expression, with its options.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[must_use]
pub struct Key {
    target: Target,
    collation: Option<String>,
    opclass: Option<String>,
    order: Option<Order>,
    nulls: Option<Nulls>,
}

impl Key {
    fn of(target: Target) -> Key {
        Key {
            target,
            collation: None,
            opclass: None,
            order: None,
            nulls: None,
        }
    }

    /// A column, by its name (quoted when rendered).
    pub fn column(name: impl Into<String>) -> Key {
        Key::of(Target::Column(name.into()))
    }

    /// An expression such as `lower(email)`, rendered in parentheses.
    ///
    /// The SQL is **not escaped**: never build it from untrusted input.
    pub fn expression(sql: impl Into<String>) -> Key {
        Key::of(Target::Expression(sql.into()))
    }

    /// Ascending order (`ASC`, the default when nothing is said). Btree only.
    pub fn asc(mut self) -> Key {
        self.order = Some(Order::Asc);
        self
    }

    /// Descending order (`DESC`). Btree only.
    pub fn desc(mut self) -> Key {
        self.order = Some(Order::Desc);
        self
    }

    /// Nulls before other values (`NULLS FIRST`). Btree only.
    pub fn nulls_first(mut self) -> Key {
        self.nulls = Some(Nulls::First);
        self
    }

    /// Nulls after other values (`NULLS LAST`). Btree only.
    pub fn nulls_last(mut self) -> Key {
        self.nulls = Some(Nulls::Last);
        self
    }

    /// An operator class, such as `text_pattern_ops` or `gin_trgm_ops` (one name, quoted).
    pub fn opclass(mut self, name: impl Into<String>) -> Key {
        self.opclass = Some(name.into());
        self
    }

    /// A collation, such as `C` (one name, quoted).
    pub fn collate(mut self, name: impl Into<String>) -> Key {
        self.collation = Some(name.into());
        self
    }

    fn has_order(&self) -> bool {
        self.order.is_some() || self.nulls.is_some()
    }

    fn validate(&self) -> Result<(), IndexSpecError> {
        match &self.target {
            Target::Column(c) => check_ident(NameKind::Column, c)?,
            Target::Expression(e) => check_sql(SqlKind::Expression, e)?,
        }
        if let Some(c) = &self.collation {
            check_ident(NameKind::Collation, c)?;
        }
        if let Some(o) = &self.opclass {
            check_ident(NameKind::OpClass, o)?;
        }
        Ok(())
    }

    fn target_sql(&self) -> String {
        match &self.target {
            Target::Column(c) => ident(c),
            Target::Expression(e) => format!("({e})"),
        }
    }

    fn sql(&self) -> String {
        let mut out = self.target_sql();
        if let Some(c) = &self.collation {
            out.push_str(" COLLATE ");
            out.push_str(&ident(c));
        }
        if let Some(o) = &self.opclass {
            out.push(' ');
            out.push_str(&ident(o));
        }
        match self.order {
            Some(Order::Asc) => out.push_str(" ASC"),
            Some(Order::Desc) => out.push_str(" DESC"),
            None => {}
        }
        match self.nulls {
            Some(Nulls::First) => out.push_str(" NULLS FIRST"),
            Some(Nulls::Last) => out.push_str(" NULLS LAST"),
            None => {}
        }
        out
    }
}

/// A value compared with a scope column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Literal {
    /// An integer, written as one (`42`).
    Int(i64),
    /// A text value, written as an escaped string literal (`'it''s'`).
    Text(String),
    /// A uuid in its 8-4-4-4-12 hex form, validated, written `'...'::uuid` in lowercase.
    Uuid(String),
}

impl Literal {
    fn validate(&self) -> Result<(), IndexSpecError> {
        match self {
            Literal::Int(_) => Ok(()),
            Literal::Text(s) if s.contains('\0') => {
                Err(IndexSpecError::NulInText { value: s.clone() })
            }
            Literal::Text(_) => Ok(()),
            Literal::Uuid(s) if is_uuid(s) => Ok(()),
            Literal::Uuid(s) => Err(IndexSpecError::InvalidUuid { value: s.clone() }),
        }
    }

    fn sql(&self) -> String {
        match self {
            Literal::Int(n) => n.to_string(),
            Literal::Text(s) => quote_literal(s),
            Literal::Uuid(s) => format!("'{}'::uuid", s.to_ascii_lowercase()),
        }
    }

    /// The value's part of a default name.
    fn hint(&self) -> String {
        match self {
            Literal::Int(n) => n.to_string(),
            Literal::Text(s) => s.clone(),
            Literal::Uuid(s) => s.chars().take(8).collect(),
        }
    }
}

impl Literal {
    /// Reads a value as a command line gives it: `'...'` is always text (quotes removed), an
    /// integer is [`Literal::Int`], hex digits in five dash-separated groups are
    /// [`Literal::Uuid`] (validated when the spec is built), anything else is text.
    ///
    /// ```
    /// use pgshift::index::Literal;
    /// assert_eq!(Literal::infer("42"), Literal::Int(42));
    /// assert_eq!(Literal::infer("'42'"), Literal::Text("42".into()));
    /// assert_eq!(Literal::infer("open"), Literal::Text("open".into()));
    /// ```
    pub fn infer(value: &str) -> Literal {
        if let Some(text) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
            Literal::Text(text.to_string())
        } else if let Ok(n) = value.parse::<i64>() {
            Literal::Int(n)
        } else if value.split('-').count() == 5
            && value.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        {
            Literal::Uuid(value.to_string())
        } else {
            Literal::Text(value.to_string())
        }
    }
}

impl From<i64> for Literal {
    fn from(n: i64) -> Literal {
        Literal::Int(n)
    }
}

impl From<i32> for Literal {
    fn from(n: i32) -> Literal {
        Literal::Int(n.into())
    }
}

impl From<&str> for Literal {
    fn from(s: &str) -> Literal {
        Literal::Text(s.to_string())
    }
}

impl From<String> for Literal {
    fn from(s: String) -> Literal {
        Literal::Text(s)
    }
}

/// Which rows count as active, for [`IndexSpecBuilder::active_only`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActiveFilter {
    /// Soft-deleted rows have a timestamp in this column: `"deleted_at" IS NULL`.
    DeletedAtIsNull(String),
    /// Active rows have this boolean column set: `"is_active" = true`.
    FlagIsTrue(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Filter {
    /// `column = value`; `hint` names the scope in default names.
    Equals {
        hint: &'static str,
        column: String,
        value: Literal,
    },
    Active(ActiveFilter),
    Raw(String),
}

impl Filter {
    fn validate(&self) -> Result<(), IndexSpecError> {
        match self {
            Filter::Equals { column, value, .. } => {
                check_ident(NameKind::Column, column)?;
                value.validate()
            }
            Filter::Active(ActiveFilter::DeletedAtIsNull(c) | ActiveFilter::FlagIsTrue(c)) => {
                check_ident(NameKind::Column, c)
            }
            Filter::Raw(sql) => check_sql(SqlKind::Predicate, sql),
        }
    }

    fn sql(&self) -> String {
        match self {
            Filter::Equals { column, value, .. } => format!("{} = {}", ident(column), value.sql()),
            Filter::Active(ActiveFilter::DeletedAtIsNull(c)) => format!("{} IS NULL", ident(c)),
            Filter::Active(ActiveFilter::FlagIsTrue(c)) => format!("{} = true", ident(c)),
            Filter::Raw(sql) => format!("({sql})"),
        }
    }

    fn hint(&self) -> String {
        match self {
            Filter::Equals { hint, value, .. } => format!("{hint}_{}", value.hint()),
            Filter::Active(_) => "active".into(),
            Filter::Raw(_) => "partial".into(),
        }
    }
}

/// What an index is, apart from its name and how it is built.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Definition {
    schema: String,
    table: String,
    only: bool,
    unique: bool,
    method: Method,
    keys: Vec<Key>,
    include: Vec<String>,
    filters: Vec<Filter>,
}

impl Definition {
    /// `CREATE [UNIQUE] INDEX` with `name_part` (e.g. ` CONCURRENTLY "x"`) and the rest.
    fn sql(&self, name_part: &str) -> String {
        let mut out = String::from("CREATE ");
        if self.unique {
            out.push_str("UNIQUE ");
        }
        out.push_str("INDEX");
        out.push_str(name_part);
        out.push_str(" ON ");
        if self.only {
            out.push_str("ONLY ");
        }
        out.push_str(&ident(&self.schema));
        out.push('.');
        out.push_str(&ident(&self.table));
        out.push_str(" USING ");
        out.push_str(self.method.as_str());
        out.push_str(" (");
        out.push_str(&join(self.keys.iter().map(Key::sql), ", "));
        out.push(')');
        if !self.include.is_empty() {
            out.push_str(" INCLUDE (");
            out.push_str(&join(self.include.iter().map(|c| ident(c)), ", "));
            out.push(')');
        }
        if !self.filters.is_empty() {
            out.push_str(" WHERE ");
            out.push_str(&join(self.filters.iter().map(Filter::sql), " AND "));
        }
        out
    }

    fn validate(&self) -> Result<(), IndexSpecError> {
        check_ident(NameKind::Schema, &self.schema)?;
        check_ident(NameKind::Table, &self.table)?;
        if self.keys.is_empty() {
            return Err(IndexSpecError::NoKeys);
        }
        for key in &self.keys {
            key.validate()?;
        }
        for column in &self.include {
            check_ident(NameKind::Column, column)?;
        }
        for filter in &self.filters {
            filter.validate()?;
        }
        let method = self.method;
        if self.unique && method != Method::BTree {
            return Err(IndexSpecError::UniqueNotSupported { method });
        }
        if !self.include.is_empty()
            && !matches!(method, Method::BTree | Method::Gist | Method::SpGist)
        {
            return Err(IndexSpecError::IncludeNotSupported { method });
        }
        if method != Method::BTree
            && let Some(key) = self.keys.iter().find(|k| k.has_order())
        {
            return Err(IndexSpecError::OrderNotSupported {
                method,
                key: key.target_sql(),
            });
        }
        if self.keys.len() > 1 && matches!(method, Method::Hash | Method::SpGist) {
            return Err(IndexSpecError::SingleKeyOnly {
                method,
                count: self.keys.len(),
            });
        }
        let columns = self.keys.len() + self.include.len();
        if columns > MAX_INDEX_COLUMNS {
            return Err(IndexSpecError::TooManyColumns { count: columns });
        }
        Ok(())
    }

    /// The default name: a readable stem and the definition's hash (see the module docs).
    fn default_name(&self) -> String {
        let mut parts = vec![self.table.clone()];
        parts.extend(self.keys.iter().map(|k| match &k.target {
            Target::Column(c) => c.clone(),
            Target::Expression(e) => e.clone(),
        }));
        if self.method != Method::BTree {
            parts.push(self.method.as_str().into());
        }
        parts.extend(self.filters.iter().map(Filter::hint));
        parts.push(if self.unique { "key" } else { "idx" }.into());
        let stem = name_chars(&parts.join("_"));

        let digest = Sha256::digest(self.sql("").as_bytes());
        let hash = crate::history::hex(&digest[..HASH_DIGITS / 2]);
        // The stem is ASCII, so any byte offset is a character boundary.
        let room = MAX_IDENTIFIER_BYTES - HASH_DIGITS - 1;
        let stem = stem[..stem.len().min(room)].trim_end_matches('_');
        format!("{stem}_{hash}")
    }
}

/// Builds an [`IndexSpec`]; start with [`IndexSpec::on`], finish with [`build`](Self::build).
///
/// Nothing is checked until `build`, which reports the first problem.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a builder does nothing until `.build()`"]
pub struct IndexSpecBuilder {
    def: Definition,
    name: Option<String>,
    concurrently: bool,
    if_not_exists: bool,
}

impl IndexSpecBuilder {
    /// Names the index (quoted as given); without it, a [default name](self#default-names).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Adds a column as the next key.
    pub fn column(self, name: impl Into<String>) -> Self {
        self.key(Key::column(name))
    }

    /// Adds a key (a column or an expression with options) as the next key.
    pub fn key(mut self, key: Key) -> Self {
        self.def.keys.push(key);
        self
    }

    /// The access method (`USING ...`); [`Method::BTree`] by default.
    pub fn method(mut self, method: Method) -> Self {
        self.def.method = method;
        self
    }

    /// A `UNIQUE` index (btree only).
    pub fn unique(mut self) -> Self {
        self.def.unique = true;
        self
    }

    /// Adds a non-key column stored in the index (`INCLUDE`; btree, gist and spgist only).
    pub fn include(mut self, column: impl Into<String>) -> Self {
        self.def.include.push(column.into());
        self
    }

    /// Indexes only one tenant's rows: `column = value`.
    pub fn tenant_scope(self, column: impl Into<String>, value: impl Into<Literal>) -> Self {
        self.equals("tenant", column.into(), value.into())
    }

    /// Indexes only one case's rows: `column = value`.
    pub fn case_scope(self, column: impl Into<String>, value: impl Into<Literal>) -> Self {
        self.equals("case", column.into(), value.into())
    }

    fn equals(mut self, hint: &'static str, column: String, value: Literal) -> Self {
        self.def.filters.push(Filter::Equals {
            hint,
            column,
            value,
        });
        self
    }

    /// Indexes only active rows (`deleted_at IS NULL` or `flag = true`).
    pub fn active_only(mut self, filter: ActiveFilter) -> Self {
        self.def.filters.push(Filter::Active(filter));
        self
    }

    /// Adds a predicate written in SQL, rendered in parentheses.
    ///
    /// The SQL is **not escaped**: never build it from untrusted input.
    pub fn where_raw(mut self, sql: impl Into<String>) -> Self {
        self.def.filters.push(Filter::Raw(sql.into()));
        self
    }

    /// Builds without blocking writes (`CONCURRENTLY`, the default) or with a lock that blocks
    /// writes for the duration of the build (`false`: faster for small tables, and possible
    /// inside a transaction). The drop statement follows the same choice.
    pub fn concurrently(mut self, yes: bool) -> Self {
        self.concurrently = yes;
        self
    }

    /// Does nothing when an index of that name exists (`IF NOT EXISTS`; off by default).
    ///
    /// Whatever that index is: an invalid leftover of a failed concurrent build, or another
    /// definition under the same name, counts as existing.
    pub fn if_not_exists(mut self, yes: bool) -> Self {
        self.if_not_exists = yes;
        self
    }

    /// Does not recurse into partitions (`ON ONLY`): for a partitioned table, creates the
    /// parent index only, to be completed by attaching the partitions' indexes.
    pub fn only(mut self) -> Self {
        self.def.only = true;
        self
    }

    /// Checks the spec and settles the name.
    pub fn build(self) -> Result<IndexSpec, IndexSpecError> {
        self.def.validate()?;
        let name = match self.name {
            Some(name) => {
                check_ident(NameKind::Index, &name)?;
                name
            }
            None => self.def.default_name(),
        };
        Ok(IndexSpec {
            def: self.def,
            name,
            concurrently: self.concurrently,
            if_not_exists: self.if_not_exists,
        })
    }
}

/// A checked index spec: renders its `CREATE INDEX` and the `DROP INDEX` that undoes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexSpec {
    def: Definition,
    name: String,
    concurrently: bool,
    if_not_exists: bool,
}

impl IndexSpec {
    /// Starts a spec for an index on `schema.table` (names as the catalog spells them).
    pub fn on(schema: impl Into<String>, table: impl Into<String>) -> IndexSpecBuilder {
        IndexSpecBuilder {
            def: Definition {
                schema: schema.into(),
                table: table.into(),
                only: false,
                unique: false,
                method: Method::BTree,
                keys: Vec::new(),
                include: Vec::new(),
                filters: Vec::new(),
            },
            name: None,
            concurrently: true,
            if_not_exists: false,
        }
    }

    /// The index's name (given, or the default), unquoted.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The table's schema, unquoted.
    pub fn schema(&self) -> &str {
        &self.def.schema
    }

    /// The table, unquoted.
    pub fn table(&self) -> &str {
        &self.def.table
    }

    /// Whether the statements use `CONCURRENTLY` (and must run outside a transaction).
    pub fn is_concurrent(&self) -> bool {
        self.concurrently
    }

    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON [ONLY] schema.table
    /// USING method (keys) [INCLUDE (columns)] [WHERE filters]`, without a trailing `;`.
    pub fn create_sql(&self) -> String {
        let mut name_part = String::new();
        if self.concurrently {
            name_part.push_str(" CONCURRENTLY");
        }
        if self.if_not_exists {
            name_part.push_str(" IF NOT EXISTS");
        }
        name_part.push(' ');
        name_part.push_str(&ident(&self.name));
        self.def.sql(&name_part)
    }

    /// The statement that undoes [`create_sql`](Self::create_sql), see [`drop_index`](Self::drop_index).
    pub fn drop_sql(&self) -> String {
        self.drop_index().sql()
    }

    /// The `DROP INDEX` of this index: `IF EXISTS` (a down migration can run again), and
    /// `CONCURRENTLY` when the index is built concurrently.
    pub fn drop_index(&self) -> DropIndex {
        DropIndex {
            schema: self.def.schema.clone(),
            name: self.name.clone(),
            concurrently: self.concurrently,
            if_exists: true,
        }
    }
}

/// `DROP INDEX [CONCURRENTLY] [IF EXISTS] schema.name`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct DropIndex {
    schema: String,
    name: String,
    concurrently: bool,
    if_exists: bool,
}

impl DropIndex {
    /// Drops the index `schema.name`, concurrently and if it exists unless told otherwise.
    pub fn new(
        schema: impl Into<String>,
        name: impl Into<String>,
    ) -> Result<DropIndex, IndexSpecError> {
        let (schema, name) = (schema.into(), name.into());
        check_ident(NameKind::Schema, &schema)?;
        check_ident(NameKind::Index, &name)?;
        Ok(DropIndex {
            schema,
            name,
            concurrently: true,
            if_exists: true,
        })
    }

    /// Drops without blocking reads and writes of the table (`CONCURRENTLY`, the default).
    pub fn concurrently(mut self, yes: bool) -> Self {
        self.concurrently = yes;
        self
    }

    /// Does nothing when the index does not exist (`IF EXISTS`, the default).
    pub fn if_exists(mut self, yes: bool) -> Self {
        self.if_exists = yes;
        self
    }

    /// The statement, without a trailing `;`.
    pub fn sql(&self) -> String {
        format!(
            "DROP INDEX {}{}{}.{}",
            if self.concurrently {
                "CONCURRENTLY "
            } else {
                ""
            },
            if self.if_exists { "IF EXISTS " } else { "" },
            ident(&self.schema),
            ident(&self.name)
        )
    }
}

/// Which name an [`IndexSpecError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameKind {
    /// The table's schema.
    Schema,
    /// The table.
    Table,
    /// The index.
    Index,
    /// A key, `INCLUDE`, scope or active-flag column.
    Column,
    /// An operator class.
    OpClass,
    /// A collation.
    Collation,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Schema => "schema",
            NameKind::Table => "table",
            NameKind::Index => "index",
            NameKind::Column => "column",
            NameKind::OpClass => "operator class",
            NameKind::Collation => "collation",
        })
    }
}

/// Which raw SQL fragment an [`IndexSpecError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlKind {
    /// An expression key ([`Key::expression`]).
    Expression,
    /// A raw predicate ([`IndexSpecBuilder::where_raw`]).
    Predicate,
}

impl fmt::Display for SqlKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SqlKind::Expression => "expression key",
            SqlKind::Predicate => "raw predicate",
        })
    }
}

/// Why a spec cannot become a statement PostgreSQL accepts as meant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexSpecError {
    /// A name is empty.
    #[error("an empty {kind} name: give a name of 1 to 63 bytes")]
    EmptyName {
        /// Which name.
        kind: NameKind,
    },
    /// A name holds a NUL byte, which no PostgreSQL name can.
    #[error(
        "the {kind} name {name:?} contains a NUL byte, which PostgreSQL names cannot hold: remove it"
    )]
    NulInName {
        /// Which name.
        kind: NameKind,
        /// The name as given.
        name: String,
    },
    /// A name is longer than PostgreSQL keeps.
    #[error(
        "the {kind} name {name:?} is {len} bytes long and PostgreSQL would silently cut it to 63: use a name of at most 63 bytes"
    )]
    NameTooLong {
        /// Which name.
        kind: NameKind,
        /// The name as given.
        name: String,
        /// Its length in bytes.
        len: usize,
    },
    /// The spec has no key.
    #[error("the index has no key: add a column with `.column(..)` or a key with `.key(..)`")]
    NoKeys,
    /// `UNIQUE` with a method other than btree.
    #[error(
        "{method} indexes cannot be UNIQUE, only btree ones can: remove `.unique()` or use `Method::BTree`"
    )]
    UniqueNotSupported {
        /// The method asked for.
        method: Method,
    },
    /// `INCLUDE` with a method other than btree, gist or spgist.
    #[error(
        "{method} indexes cannot INCLUDE columns, only btree, gist and spgist ones can: remove `.include(..)`, make the columns keys, or use `Method::BTree`"
    )]
    IncludeNotSupported {
        /// The method asked for.
        method: Method,
    },
    /// A sort order or nulls order with a method other than btree.
    #[error(
        "{method} indexes do not sort, so key {key} cannot have ASC, DESC or NULLS FIRST/LAST: remove them or use `Method::BTree`"
    )]
    OrderNotSupported {
        /// The method asked for.
        method: Method,
        /// The key, as SQL.
        key: String,
    },
    /// More than one key with a single-key method (hash, spgist).
    #[error(
        "{method} indexes take one key, this one has {count}: build one index per key, or use btree, gist or gin"
    )]
    SingleKeyOnly {
        /// The method asked for.
        method: Method,
        /// The number of keys.
        count: usize,
    },
    /// More keys and `INCLUDE` columns than PostgreSQL allows.
    #[error(
        "the index has {count} columns (keys and INCLUDE) and PostgreSQL allows at most 32: leave some out"
    )]
    TooManyColumns {
        /// Keys and `INCLUDE` columns.
        count: usize,
    },
    /// An expression key or raw predicate is empty.
    #[error("the {what} is empty: write the SQL, or leave it out")]
    EmptySql {
        /// Which fragment.
        what: SqlKind,
    },
    /// An expression key or raw predicate holds a NUL byte.
    #[error("the {what} {sql:?} contains a NUL byte, which PostgreSQL cannot read: remove it")]
    NulInSql {
        /// Which fragment.
        what: SqlKind,
        /// The SQL as given.
        sql: String,
    },
    /// A text value holds a NUL byte, which PostgreSQL text cannot.
    #[error(
        "the text value {value:?} contains a NUL byte, which PostgreSQL text cannot hold: remove it"
    )]
    NulInText {
        /// The value as given.
        value: String,
    },
    /// A uuid value is not a uuid.
    #[error(
        "{value:?} is not a uuid: write 32 hex digits grouped 8-4-4-4-12, e.g. 123e4567-e89b-12d3-a456-426614174000"
    )]
    InvalidUuid {
        /// The value as given.
        value: String,
    },
    /// An unknown method name (from [`Method::from_str`]).
    #[error("unknown index method {0:?}: use btree, hash, gist, spgist, gin or brin")]
    UnknownMethod(String),
}

/// `"name"` with inner quotes doubled.
fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A string literal that means `s` whatever `standard_conforming_strings` says: `'...'` with
/// quotes doubled, or `E'...'` with backslashes doubled too when there is a backslash (as
/// PostgreSQL's `quote_literal` writes it).
fn quote_literal(s: &str) -> String {
    let quoted = s.replace('\'', "''");
    if s.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

fn check_ident(kind: NameKind, name: &str) -> Result<(), IndexSpecError> {
    if name.is_empty() {
        Err(IndexSpecError::EmptyName { kind })
    } else if name.contains('\0') {
        Err(IndexSpecError::NulInName {
            kind,
            name: name.to_string(),
        })
    } else if name.len() > MAX_IDENTIFIER_BYTES {
        Err(IndexSpecError::NameTooLong {
            kind,
            name: name.to_string(),
            len: name.len(),
        })
    } else {
        Ok(())
    }
}

fn check_sql(what: SqlKind, sql: &str) -> Result<(), IndexSpecError> {
    if sql.trim().is_empty() {
        Err(IndexSpecError::EmptySql { what })
    } else if sql.contains('\0') {
        Err(IndexSpecError::NulInSql {
            what,
            sql: sql.to_string(),
        })
    } else {
        Ok(())
    }
}

/// 8-4-4-4-12 hex digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Lowercase ASCII letters and digits, every other run of characters one `_`, none at the ends.
fn name_chars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.truncate(out.trim_end_matches('_').len());
    out
}

fn join(items: impl Iterator<Item = String>, separator: &str) -> String {
    items.collect::<Vec<_>>().join(separator)
}

/// A migration pair for an index: file paths and contents, not written yet.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrationPair {
    /// The version, `YYYYMMDDHHMM` (UTC).
    pub version: String,
    /// `VERSION_name`, the migration's id.
    pub id: String,
    /// `dir/VERSION_name.up.sql`.
    pub up_path: PathBuf,
    /// The up file's contents: the `CREATE INDEX` statement.
    pub up_sql: String,
    /// `dir/VERSION_name.down.sql`.
    pub down_path: PathBuf,
    /// The down file's contents: the `DROP INDEX` statement.
    pub down_sql: String,
}

impl MigrationPair {
    /// Writes both files; fails rather than overwrite a file that exists (the up file is
    /// removed again when the down file cannot be written, so no half pair stays behind).
    pub fn write(&self) -> Result<(), ScaffoldError> {
        write_new(&self.up_path, &self.up_sql)?;
        if let Err(e) = write_new(&self.down_path, &self.down_sql) {
            let _ = std::fs::remove_file(&self.up_path);
            return Err(e);
        }
        Ok(())
    }
}

fn write_new(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|source| ScaffoldError::Write {
            path: path.to_path_buf(),
            source,
        })
}

/// Why a migration pair could not be planned or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScaffoldError {
    /// The migration folder cannot be listed.
    #[error("cannot list the migration folder {} (it is not created)", dir.display())]
    ReadDir {
        /// The folder.
        dir: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// A file cannot be written (it exists, or the folder is not writable).
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The clock is before 1970, so there is no version to give.
    #[error("the system clock is before 1970: set it, then scaffold again")]
    Clock,
}

/// Chooses the pair's version and paths in `dir`, without writing anything: the minute of
/// `now` (UTC, `YYYYMMDDHHMM`), bumped by a minute while a migration of that version exists.
/// The file name is the index name, lowercased, other characters than `a-z0-9_` replaced
/// by `_` (`index` if nothing is left).
pub fn plan_migration(
    dir: impl AsRef<Path>,
    spec: &IndexSpec,
    now: SystemTime,
) -> Result<MigrationPair, ScaffoldError> {
    let version = free_version_in(dir.as_ref(), now)?;
    Ok(pair(dir.as_ref(), spec, &version))
}

/// Chooses a pair of any content in `dir`, without writing anything, as [`plan_migration`]
/// does for an index: version of the minute of `now` (UTC), bumped while taken; files
/// `VERSION_name.up.sql` / `.down.sql` (`name` is used as given: check it is `[a-z0-9_]+`).
/// `pgshift new` writes its empty pair with it.
pub fn plan_pair(
    dir: impl AsRef<Path>,
    name: &str,
    up_sql: impl Into<String>,
    down_sql: impl Into<String>,
    now: SystemTime,
) -> Result<MigrationPair, ScaffoldError> {
    let dir = dir.as_ref();
    let version = free_version_in(dir, now)?;
    let id = format!("{version}_{name}");
    Ok(MigrationPair {
        version,
        up_path: dir.join(format!("{id}.up.sql")),
        up_sql: up_sql.into(),
        down_path: dir.join(format!("{id}.down.sql")),
        down_sql: down_sql.into(),
        id,
    })
}

/// The first free `YYYYMMDDHHMM` at or after the minute of `now` among the files of `dir`.
fn free_version_in(dir: &Path, now: SystemTime) -> Result<String, ScaffoldError> {
    let read_dir = |source| ScaffoldError::ReadDir {
        dir: dir.to_path_buf(),
        source,
    };
    let mut taken = BTreeSet::new();
    for entry in std::fs::read_dir(dir).map_err(read_dir)? {
        let entry = entry.map_err(read_dir)?;
        if let Some(version) = entry.file_name().to_str().and_then(version_of) {
            taken.insert(version);
        }
    }
    let minutes = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| ScaffoldError::Clock)?
        .as_secs()
        / 60;
    Ok(free_version(minutes as i64, &taken))
}

/// Plans the pair with [`plan_migration`] and writes it with [`MigrationPair::write`].
pub fn scaffold(
    dir: impl AsRef<Path>,
    spec: &IndexSpec,
    now: SystemTime,
) -> Result<MigrationPair, ScaffoldError> {
    let pair = plan_migration(dir, spec, now)?;
    pair.write()?;
    Ok(pair)
}

fn pair(dir: &Path, spec: &IndexSpec, version: &str) -> MigrationPair {
    let mut name = name_chars(spec.name());
    if name.is_empty() {
        name = "index".into();
    }
    let id = format!("{version}_{name}");
    MigrationPair {
        version: version.to_string(),
        up_path: dir.join(format!("{id}.up.sql")),
        up_sql: format!("{};\n", spec.create_sql()),
        down_path: dir.join(format!("{id}.down.sql")),
        down_sql: format!("{};\n", spec.drop_sql()),
        id,
    }
}

/// The version of a migration file name (`202501011200_x.up.sql` → 202501011200).
fn version_of(file_name: &str) -> Option<i64> {
    let digits = file_name.bytes().take_while(u8::is_ascii_digit).count();
    if !(12..=18).contains(&digits) || file_name.as_bytes().get(digits) != Some(&b'_') {
        return None;
    }
    file_name[..digits].parse().ok()
}

/// The first `YYYYMMDDHHMM` at or after `minutes` since 1970 that is not taken.
fn free_version(mut minutes: i64, taken: &BTreeSet<i64>) -> String {
    loop {
        let version = version_at(minutes);
        match version.parse::<i64>() {
            Ok(v) if taken.contains(&v) => minutes += 1,
            _ => return version,
        }
    }
}

/// `YYYYMMDDHHMM` (UTC) of `minutes` since 1970-01-01 00:00.
fn version_at(minutes: i64) -> String {
    let (days, minute_of_day) = (minutes.div_euclid(1440), minutes.rem_euclid(1440));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cases() -> IndexSpecBuilder {
        IndexSpec::on("app", "cases")
    }

    fn sql(builder: IndexSpecBuilder) -> String {
        builder.name("i").build().unwrap().create_sql()
    }

    fn err(builder: IndexSpecBuilder) -> IndexSpecError {
        builder.build().unwrap_err()
    }

    #[test]
    fn a_plain_index_is_concurrent_btree_and_quoted() {
        assert_eq!(
            sql(cases().column("tenant_id")),
            r#"CREATE INDEX CONCURRENTLY "i" ON "app"."cases" USING btree ("tenant_id")"#
        );
    }

    #[test]
    fn every_create_option_renders_in_grammar_order() {
        let spec = cases()
            .name("i")
            .unique()
            .concurrently(false)
            .if_not_exists(true)
            .only()
            .key(
                Key::column("title")
                    .collate("C")
                    .opclass("text_pattern_ops")
                    .asc()
                    .nulls_first(),
            )
            .key(Key::expression("lower(email)").desc().nulls_last())
            .include("status")
            .include("priority")
            .build()
            .unwrap();
        assert_eq!(
            spec.create_sql(),
            r#"CREATE UNIQUE INDEX IF NOT EXISTS "i" ON ONLY "app"."cases" USING btree ("title" COLLATE "C" "text_pattern_ops" ASC NULLS FIRST, (lower(email)) DESC NULLS LAST) INCLUDE ("status", "priority")"#
        );
        assert!(!spec.is_concurrent());
        assert_eq!(spec.drop_sql(), r#"DROP INDEX IF EXISTS "app"."i""#);
    }

    #[test]
    fn methods_render_as_postgres_names_them() {
        for method in Method::ALL {
            let text = sql(cases().column("c").method(method));
            assert!(text.contains(&format!(" USING {method} (")), "{text}");
            assert_eq!(method.as_str().parse::<Method>(), Ok(method));
        }
        assert_eq!("GIN".parse::<Method>(), Ok(Method::Gin));
        assert_eq!(
            "gim".parse::<Method>(),
            Err(IndexSpecError::UnknownMethod("gim".into()))
        );
        assert_eq!(
            sql(cases()
                .key(Key::column("title").opclass("gin_trgm_ops"))
                .method(Method::Gin)),
            r#"CREATE INDEX CONCURRENTLY "i" ON "app"."cases" USING gin ("title" "gin_trgm_ops")"#
        );
    }

    #[test]
    fn filters_are_anded_in_the_order_given() {
        let text = sql(cases()
            .column("status")
            .tenant_scope("tenant_id", 42)
            .case_scope(
                "case_id",
                Literal::Uuid("123E4567-E89B-12D3-A456-426614174000".into()),
            )
            .active_only(ActiveFilter::DeletedAtIsNull("deleted_at".into()))
            .active_only(ActiveFilter::FlagIsTrue("is_active".into()))
            .where_raw("priority > 3 OR urgent"));
        assert!(
            text.ends_with(
                r#" WHERE "tenant_id" = 42 AND "case_id" = '123e4567-e89b-12d3-a456-426614174000'::uuid AND "deleted_at" IS NULL AND "is_active" = true AND (priority > 3 OR urgent)"#
            ),
            "{text}"
        );
    }

    #[test]
    fn literals_are_escaped_and_integers_stay_integers() {
        let lit = |l: Literal| {
            Filter::Equals {
                hint: "t",
                column: "c".into(),
                value: l,
            }
            .sql()
        };
        assert_eq!(lit(Literal::Int(-7)), r#""c" = -7"#);
        assert_eq!(lit(Literal::Int(i64::MAX)), r#""c" = 9223372036854775807"#);
        assert_eq!(lit("acme".into()), r#""c" = 'acme'"#);
        assert_eq!(
            lit("'; DROP TABLE t; --".into()),
            r#""c" = '''; DROP TABLE t; --'"#
        );
        assert_eq!(lit(r"a\'b".into()), r#""c" = E'a\\''b'"#);
        assert_eq!(lit(String::new().into()), r#""c" = ''"#);
    }

    #[test]
    fn identifiers_are_always_quoted_with_quotes_doubled() {
        let spec = IndexSpec::on(r#"x"; DROP TABLE t; --"#, "Cases Ü")
            .name(r#"a""b"#)
            .column(r#"col"umn"#)
            .build()
            .unwrap();
        assert_eq!(
            spec.create_sql(),
            r#"CREATE INDEX CONCURRENTLY "a""""b" ON "x""; DROP TABLE t; --"."Cases Ü" USING btree ("col""umn")"#
        );
        assert_eq!(
            spec.drop_sql(),
            r#"DROP INDEX CONCURRENTLY IF EXISTS "x""; DROP TABLE t; --"."a""""b""#
        );
    }

    #[test]
    fn bad_names_are_refused_wherever_they_are() {
        let long = "n".repeat(64);
        let unicode_long = "é".repeat(32); // 64 bytes, 32 characters
        assert!(check_ident(NameKind::Column, &"n".repeat(63)).is_ok());
        let empty: Vec<(IndexSpecBuilder, NameKind)> = vec![
            (IndexSpec::on("", "t").column("c"), NameKind::Schema),
            (IndexSpec::on("s", "").column("c"), NameKind::Table),
            (cases().column(""), NameKind::Column),
            (cases().column("c").name(""), NameKind::Index),
            (cases().column("c").include(""), NameKind::Column),
            (cases().key(Key::column("c").opclass("")), NameKind::OpClass),
            (
                cases().key(Key::column("c").collate("")),
                NameKind::Collation,
            ),
            (cases().column("c").tenant_scope("", 1), NameKind::Column),
            (
                cases()
                    .column("c")
                    .active_only(ActiveFilter::FlagIsTrue(String::new())),
                NameKind::Column,
            ),
        ];
        for (builder, kind) in empty {
            assert_eq!(err(builder), IndexSpecError::EmptyName { kind });
        }
        assert_eq!(
            err(cases().column("a\0b")),
            IndexSpecError::NulInName {
                kind: NameKind::Column,
                name: "a\0b".into()
            }
        );
        assert_eq!(
            err(IndexSpec::on("s", long.as_str()).column("c")),
            IndexSpecError::NameTooLong {
                kind: NameKind::Table,
                name: long.clone(),
                len: 64
            }
        );
        assert!(matches!(
            err(cases().column("c").name(unicode_long.as_str())),
            IndexSpecError::NameTooLong {
                kind: NameKind::Index,
                len: 64,
                ..
            }
        ));
        assert!(matches!(
            DropIndex::new("s", long.as_str()),
            Err(IndexSpecError::NameTooLong {
                kind: NameKind::Index,
                ..
            })
        ));
        assert_eq!(
            DropIndex::new("", "i"),
            Err(IndexSpecError::EmptyName {
                kind: NameKind::Schema
            })
        );
    }

    #[test]
    fn bad_values_and_fragments_are_refused() {
        assert_eq!(
            err(cases().column("c").tenant_scope("t", "a\0")),
            IndexSpecError::NulInText {
                value: "a\0".into()
            }
        );
        for bad in [
            "",
            "123e4567e89b12d3a456426614174000",
            "123e4567-e89b-12d3-a456-42661417400g",
            "{123e4567-e89b-12d3-a456-426614174000}",
        ] {
            assert_eq!(
                err(cases()
                    .column("c")
                    .case_scope("case_id", Literal::Uuid(bad.into()))),
                IndexSpecError::InvalidUuid { value: bad.into() }
            );
        }
        assert_eq!(
            err(cases().key(Key::expression("  "))),
            IndexSpecError::EmptySql {
                what: SqlKind::Expression
            }
        );
        assert_eq!(
            err(cases().column("c").where_raw("")),
            IndexSpecError::EmptySql {
                what: SqlKind::Predicate
            }
        );
        assert!(matches!(
            err(cases().column("c").where_raw("a\0")),
            IndexSpecError::NulInSql {
                what: SqlKind::Predicate,
                ..
            }
        ));
    }

    #[test]
    fn what_a_method_cannot_do_is_refused() {
        assert_eq!(err(cases()), IndexSpecError::NoKeys);
        for method in [
            Method::Hash,
            Method::Gist,
            Method::SpGist,
            Method::Gin,
            Method::Brin,
        ] {
            assert_eq!(
                err(cases().column("c").method(method).unique()),
                IndexSpecError::UniqueNotSupported { method }
            );
            assert_eq!(
                err(cases().key(Key::column("c").desc()).method(method)),
                IndexSpecError::OrderNotSupported {
                    method,
                    key: "\"c\"".into()
                }
            );
            assert!(matches!(
                err(cases()
                    .key(Key::expression("lower(c)").nulls_first())
                    .method(method)),
                IndexSpecError::OrderNotSupported { .. }
            ));
        }
        for method in [Method::Hash, Method::Gin, Method::Brin] {
            assert_eq!(
                err(cases().column("c").include("d").method(method)),
                IndexSpecError::IncludeNotSupported { method }
            );
        }
        for method in [Method::Gist, Method::SpGist] {
            assert!(
                cases()
                    .column("c")
                    .include("d")
                    .method(method)
                    .build()
                    .is_ok()
            );
        }
        for method in [Method::Hash, Method::SpGist] {
            assert_eq!(
                err(cases().column("a").column("b").method(method)),
                IndexSpecError::SingleKeyOnly { method, count: 2 }
            );
        }
        let wide = (0..30).fold(cases(), |b, i| b.column(format!("k{i}")));
        assert!(wide.clone().include("x").include("y").build().is_ok());
        assert_eq!(
            err(wide.include("x").include("y").include("z")),
            IndexSpecError::TooManyColumns { count: 33 }
        );
    }

    #[test]
    fn error_messages_say_what_to_do() {
        let text = err(cases().column("c").method(Method::Gin).unique()).to_string();
        assert_eq!(
            text,
            "gin indexes cannot be UNIQUE, only btree ones can: remove `.unique()` or use `Method::BTree`"
        );
        let text = err(IndexSpec::on("s", "t".repeat(70)).column("c")).to_string();
        assert!(
            text.contains("is 70 bytes long") && text.contains("at most 63"),
            "{text}"
        );
    }

    #[test]
    fn default_names_read_like_the_spec_and_end_in_its_hash() {
        let name = |b: IndexSpecBuilder| b.build().unwrap().name().to_string();
        let plain = name(cases().column("tenant_id").column("status"));
        assert!(plain.starts_with("cases_tenant_id_status_idx_"), "{plain}");
        assert_eq!(plain.len(), "cases_tenant_id_status_idx_".len() + 8);
        assert_eq!(plain, name(cases().column("tenant_id").column("status")));
        // Not renamed by how it is built.
        assert_eq!(
            plain,
            name(
                cases()
                    .column("tenant_id")
                    .column("status")
                    .concurrently(false)
                    .if_not_exists(true)
            )
        );
        // What PostgreSQL would read as the same name in another spec differs.
        assert_ne!(plain, name(cases().column("tenant").column("id_status")));
        assert_ne!(
            plain,
            name(
                cases()
                    .column("tenant_id")
                    .key(Key::column("status").desc())
            )
        );
        assert_ne!(
            plain,
            name(
                IndexSpec::on("other", "cases")
                    .column("tenant_id")
                    .column("status")
            )
        );

        let scoped = name(
            IndexSpec::on("app", "Case Notes")
                .key(Key::expression("lower(Title)"))
                .tenant_scope("tenant_id", "ACME")
                .active_only(ActiveFilter::DeletedAtIsNull("deleted_at".into()))
                .where_raw("x > 1"),
        );
        assert!(
            scoped.starts_with("case_notes_lower_title_tenant_acme_active_partial_idx_"),
            "{scoped}"
        );
        let gin = name(
            cases()
                .column("tags")
                .method(Method::Gin)
                .case_scope("case_id", 7),
        );
        assert!(gin.starts_with("cases_tags_gin_case_7_idx_"), "{gin}");
        let unique = name(cases().column("email").unique());
        assert!(unique.starts_with("cases_email_key_"), "{unique}");
    }

    #[test]
    fn long_default_names_are_cut_to_63_bytes_and_keep_the_hash() {
        let long = "a".repeat(63);
        let a = cases().column(long.as_str()).column("x").build().unwrap();
        let b = cases().column(long.as_str()).column("y").build().unwrap();
        assert_eq!(a.name().len(), 63);
        assert_eq!(a.name()[..54], b.name()[..54]);
        assert_ne!(a.name(), b.name());
        // Names made only of other characters still get a readable part.
        let odd = IndexSpec::on("s", "ケース").column("名前").build().unwrap();
        assert!(odd.name().starts_with("idx_"), "{}", odd.name());
    }

    #[test]
    fn the_default_name_of_a_definition_does_not_change_between_releases() {
        // Renaming would make an existing index look missing: change the scheme knowingly.
        let spec = cases().column("tenant_id").build().unwrap();
        assert_eq!(spec.name(), "cases_tenant_id_idx_bc7f31b0");
    }

    #[test]
    fn drop_index_has_its_own_options() {
        let drop = DropIndex::new("app", "i").unwrap();
        assert_eq!(drop.sql(), r#"DROP INDEX CONCURRENTLY IF EXISTS "app"."i""#);
        assert_eq!(
            drop.concurrently(false).if_exists(false).sql(),
            r#"DROP INDEX "app"."i""#
        );
    }

    #[test]
    fn name_chars_keep_only_lowercase_letters_digits_and_single_underscores() {
        assert_eq!(name_chars(r#"x"; DROP TABLE t; --"#), "x_drop_table_t");
        assert_eq!(name_chars("__A__b__"), "a_b");
        assert_eq!(name_chars("Ünï"), "n");
        assert_eq!(name_chars("ケース"), "");
    }

    #[test]
    fn versions_are_utc_minutes() {
        assert_eq!(version_at(0), "197001010000");
        // 2024-02-29 23:59 UTC is 1_709_251_140 s after the epoch.
        assert_eq!(version_at(1_709_251_140 / 60), "202402292359");
        assert_eq!(version_at(1_709_251_140 / 60 + 1), "202403010000");
        // 2000-12-31 23:59 → 2001-01-01 00:00.
        assert_eq!(version_at(978_307_140 / 60), "200012312359");
        assert_eq!(version_at(978_307_140 / 60 + 1), "200101010000");
    }

    #[test]
    fn taken_versions_are_skipped_a_minute_at_a_time() {
        let start = 1_709_251_140 / 60;
        let taken: BTreeSet<i64> = [202402292359, 202403010000, 202403010002].into();
        assert_eq!(free_version(start, &taken), "202403010001");
        assert_eq!(free_version(start, &BTreeSet::new()), "202402292359");
    }

    #[test]
    fn versions_are_read_from_migration_file_names_only() {
        assert_eq!(version_of("202501011200_x.up.sql"), Some(202501011200));
        assert_eq!(
            version_of("20250101120000_x.down.sql"),
            Some(20250101120000)
        );
        assert_eq!(version_of("2025010112_x.up.sql"), None);
        assert_eq!(version_of("202501011200.up.sql"), None);
        assert_eq!(version_of("README.md"), None);
    }

    #[test]
    fn a_pair_is_named_after_the_index() {
        let spec = cases().column("c").name("Weird Name!").build().unwrap();
        let planned = pair(Path::new("db"), &spec, "202501011200");
        assert_eq!(planned.id, "202501011200_weird_name");
        assert_eq!(
            planned.up_path,
            Path::new("db/202501011200_weird_name.up.sql")
        );
        assert_eq!(
            planned.down_path,
            Path::new("db/202501011200_weird_name.down.sql")
        );
        assert_eq!(planned.up_sql, format!("{};\n", spec.create_sql()));
        assert_eq!(planned.down_sql, format!("{};\n", spec.drop_sql()));
        let unicode = cases().column("c").name("索引").build().unwrap();
        assert_eq!(
            pair(Path::new("db"), &unicode, "202501011200").id,
            "202501011200_index"
        );
    }
}
