//! The schema as the migrations build it: every up statement, in version order, folded into a
//! catalog of tables, columns, constraints, indexes, types and functions.
//!
//! Rules consult it to judge a statement by what it acts on (the old type of a column, whether
//! a `CHECK (c IS NOT NULL)` was validated, which index a constraint reuses). It knows only
//! what the set itself created: an object it never saw (a database that predates the
//! migrations, `CREATE TABLE ... AS`, `LIKE`) is unknown, and rules give it the conservative
//! verdict. Built in one pass, each statement applied once, after the rules have looked at it.

use std::collections::HashMap;

use crate::classify::TableName;
use crate::pg::NodeEnum;
use crate::pg::protobuf::{self, AlterTableType, ConstrType, ObjectType};

/// A column's type, normalised: the catalog name (`varchar`, `int4`, `timestamptz`), its type
/// modifiers (`varchar(20)` → `[20]`, `numeric(10,2)` → `[10, 2]`) and whether it is an array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnType {
    /// The catalog name, lower case, aliases resolved.
    pub name: String,
    /// Integer type modifiers as written.
    pub typmods: Vec<i64>,
    /// Whether it is an array type.
    pub array: bool,
}

impl ColumnType {
    /// From a parse tree's type name.
    pub fn of(t: &protobuf::TypeName) -> ColumnType {
        let last = t
            .names
            .iter()
            .rev()
            .find_map(|n| match &n.node {
                Some(NodeEnum::String(s)) => Some(s.sval.to_lowercase()),
                _ => None,
            })
            .unwrap_or_default();
        let name = match last.as_str() {
            "int" | "integer" => "int4",
            "smallint" => "int2",
            "bigint" => "int8",
            "decimal" => "numeric",
            "real" => "float4",
            "float" | "double precision" => "float8",
            "boolean" => "bool",
            "character varying" => "varchar",
            "character" | "char" => "bpchar",
            "serial4" => "serial",
            "serial8" => "bigserial",
            "serial2" => "smallserial",
            other => other,
        }
        .to_string();
        let typmods = t
            .typmods
            .iter()
            .filter_map(|n| match &n.node {
                Some(NodeEnum::AConst(c)) => match &c.val {
                    Some(protobuf::a_const::Val::Ival(i)) => Some(i64::from(i.ival)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        ColumnType {
            name,
            typmods,
            array: !t.array_bounds.is_empty(),
        }
    }
}

impl std::fmt::Display for ColumnType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.name.as_str() {
            "bpchar" => "char",
            "int4" => "integer",
            "int8" => "bigint",
            "int2" => "smallint",
            other => other,
        };
        f.write_str(name)?;
        if !self.typmods.is_empty() {
            let mods: Vec<String> = self.typmods.iter().map(i64::to_string).collect();
            write!(f, "({})", mods.join(","))?;
        }
        if self.array {
            f.write_str("[]")?;
        }
        Ok(())
    }
}

/// A column of a known table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: ColumnType,
    /// `NOT NULL` (or part of the primary key).
    pub not_null: bool,
    /// Has a default.
    pub has_default: bool,
    /// `GENERATED ... AS IDENTITY` or `serial`.
    pub identity: bool,
    /// `GENERATED ALWAYS AS (...) STORED`.
    pub generated: bool,
    /// The migration that added it (with its table, or by `ADD COLUMN`).
    pub added_in: usize,
}

/// What kind of constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConstraintKind {
    /// `CHECK`.
    Check,
    /// `FOREIGN KEY` / `REFERENCES`.
    ForeignKey,
    /// `UNIQUE`.
    Unique,
    /// `PRIMARY KEY`.
    PrimaryKey,
    /// `EXCLUDE`.
    Exclusion,
}

/// A table constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    /// Its name (PostgreSQL's generated name when the SQL gave none).
    pub name: String,
    /// Its kind.
    pub kind: ConstraintKind,
    /// Whether every row has been checked (`NOT VALID` and not yet `VALIDATE`d: false).
    pub validated: bool,
    /// For `CHECK (c IS NOT NULL)`: `c`.
    pub not_null_check_of: Option<String>,
    /// The migration (see [`Schema::migration`]) that added it.
    pub added_in: usize,
}

/// What kind of relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RelationKind {
    /// A table.
    Table,
    /// A view.
    View,
    /// A materialized view.
    MaterializedView,
}

/// A table, view or materialized view the set created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Schema and name.
    pub name: TableName,
    /// Its kind.
    pub kind: RelationKind,
    /// The migration that created it.
    pub created_in: usize,
    /// Whether every column is known (false after `CREATE TABLE ... AS`, `LIKE`, `INHERITS`).
    pub complete: bool,
    /// Its columns, in order.
    pub columns: Vec<Column>,
    /// Its constraints.
    pub constraints: Vec<Constraint>,
    /// For a view or materialized view: every name its query mentions (relations, columns,
    /// aliases; `*` for a star), lower case unless quoted. A superset of what it reads.
    pub reads: Vec<String>,
}

impl Table {
    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }
}

/// An index the set created (explicitly or through a constraint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Index {
    /// Its name.
    pub name: String,
    /// Its table.
    pub table: TableName,
    /// `UNIQUE`.
    pub unique: bool,
    /// Plain columns it covers (expressions are not listed).
    pub columns: Vec<String>,
    /// The migration that created it.
    pub created_in: usize,
}

/// The catalog built from the migrations seen so far.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    tables: HashMap<String, Vec<Table>>,
    indexes: HashMap<String, Index>,
    types: HashMap<String, usize>,
    domains: HashMap<String, usize>,
    schemas: HashMap<String, usize>,
    functions: HashMap<String, u8>,
    routines: HashMap<String, usize>,
    sequences: HashMap<String, usize>,
    migration: usize,
}

/// Every identifier of a view's query, from PostgreSQL's own SQL text for it (names as the
/// catalog spells them: unquoted, lower case unless quoted), and `*` for a column star
/// (`SELECT *`, `t.*`; not `count(*)` or a product).
fn names_read(query: Option<&protobuf::Node>) -> Vec<String> {
    let Some(query) = query.and_then(|q| q.node.as_ref()) else {
        return Vec::new();
    };
    let Ok(sql) = crate::pg::deparse(query) else {
        return Vec::new();
    };
    let Ok(tokens) = crate::pg::scan(&sql) else {
        return Vec::new();
    };
    let texts: Vec<&str> = tokens
        .iter()
        .filter_map(|t| sql.get(t.start as usize..t.end as usize))
        .collect();
    let mut names: Vec<String> = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        if *text == "*" {
            let before = i.checked_sub(1).map(|j| texts[j].to_ascii_lowercase());
            if matches!(
                before.as_deref(),
                Some("select" | "," | "." | "distinct" | "all")
            ) {
                names.push("*".to_string());
            }
        } else if let Some(quoted) = text.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
            names.push(quoted.replace("\"\"", "\""));
        } else if text.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            names.push(text.to_lowercase());
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The last name of a qualified name list.
fn last_name(items: &[protobuf::Node]) -> Option<String> {
    items.iter().rev().find_map(|n| match &n.node {
        Some(NodeEnum::String(s)) => Some(s.sval.clone()),
        _ => None,
    })
}

fn names_of(items: &[protobuf::Node]) -> Vec<String> {
    items
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => Some(e.name.clone()),
            _ => None,
        })
        .collect()
}

impl Schema {
    /// An empty catalog.
    pub fn new() -> Self {
        Schema::default()
    }

    /// Starts the next migration: what is created from now on belongs to it.
    pub fn begin_migration(&mut self) {
        self.migration += 1;
    }

    /// The number of the current migration (1 for the first).
    pub fn migration(&self) -> usize {
        self.migration
    }

    /// A table, view or materialized view by name (an unqualified name matches any schema).
    pub fn table(&self, name: &TableName) -> Option<&Table> {
        self.tables
            .get(&name.name)?
            .iter()
            .find(|t| t.name.matches(name))
    }

    fn table_mut(&mut self, name: &TableName) -> Option<&mut Table> {
        self.tables
            .get_mut(&name.name)?
            .iter_mut()
            .find(|t| t.name.matches(name))
    }

    /// An index by name (schema ignored).
    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.get(name)
    }

    /// The indexes of a table that cover `column`.
    pub fn indexes_on<'a>(
        &'a self,
        table: &'a TableName,
        column: &'a str,
    ) -> impl Iterator<Item = &'a Index> + 'a {
        self.indexes
            .values()
            .filter(move |i| i.table.matches(table) && i.columns.iter().any(|c| c == column))
    }

    /// `reads` with a star replaced by the columns the tables it names have now: PostgreSQL
    /// expands `*` when the view is created, so columns added later are not read. The star
    /// stays when a table it names is not completely known.
    fn expand_star(&self, mut reads: Vec<String>) -> Vec<String> {
        if !reads.iter().any(|r| r == "*") {
            return reads;
        }
        let tables: Vec<&Table> = reads
            .iter()
            .filter_map(|r| {
                self.table(&TableName {
                    schema: None,
                    name: r.clone(),
                })
            })
            .filter(|t| t.kind == RelationKind::Table || !t.reads.is_empty())
            .collect();
        if tables.is_empty()
            || tables
                .iter()
                .any(|t| t.kind == RelationKind::Table && !t.complete)
        {
            return reads;
        }
        let columns: Vec<String> = tables
            .iter()
            .flat_map(|t| {
                t.columns
                    .iter()
                    .map(|c| c.name.clone())
                    .chain(t.reads.iter().cloned())
            })
            .collect();
        reads.retain(|r| r != "*");
        reads.extend(columns);
        reads.sort();
        reads.dedup();
        reads
    }

    /// The views and materialized views whose query mentions `table` and its `column` (or a
    /// `*`): PostgreSQL refuses to change the type of a column a view uses, and dropping it
    /// needs `CASCADE`, which drops the view.
    pub fn views_reading<'a>(
        &'a self,
        table: &'a TableName,
        column: &'a str,
    ) -> impl Iterator<Item = &'a Table> + 'a {
        self.tables.values().flatten().filter(move |v| {
            v.kind != RelationKind::Table
                && v.reads.contains(&table.name)
                && v.reads.iter().any(|r| r == column || r == "*")
        })
    }

    /// The migration that created domain `name`, if the set did.
    pub fn domain_created_in(&self, name: &str) -> Option<usize> {
        self.domains.get(name).copied()
    }

    /// The migration that created type `name` (an enum), if the set did.
    pub fn type_created_in(&self, name: &str) -> Option<usize> {
        self.types.get(name).copied()
    }

    /// The migration that created schema `name`, if the set did.
    pub fn schema_created_in(&self, name: &str) -> Option<usize> {
        self.schemas.get(name).copied()
    }

    /// The migration that created function or procedure `name` (any overload), if the set did.
    pub fn routine_created_in(&self, name: &str) -> Option<usize> {
        self.routines.get(name).copied()
    }

    /// The migration that created sequence `name`, if the set did.
    pub fn sequence_created_in(&self, name: &str) -> Option<usize> {
        self.sequences.get(name).copied()
    }

    /// The volatility (`b'i'`, `b's'`, `b'v'`) of a function the set created.
    pub fn function_volatility(&self, name: &str) -> Option<u8> {
        self.functions.get(name).copied()
    }

    fn add_table(&mut self, table: Table) {
        let list = self.tables.entry(table.name.name.clone()).or_default();
        list.retain(|t| t.name != table.name);
        list.push(table);
    }

    fn remove_table(&mut self, name: &TableName) {
        if let Some(list) = self.tables.get_mut(&name.name) {
            list.retain(|t| !t.name.matches(name));
        }
        self.indexes.retain(|_, i| !i.table.matches(name));
    }

    fn add_index(&mut self, name: String, table: &TableName, unique: bool, columns: Vec<String>) {
        // `ADD CONSTRAINT ... USING INDEX i` names no columns: `i` keeps its own.
        let columns = match self.indexes.get(&name) {
            Some(existing) if columns.is_empty() => existing.columns.clone(),
            _ => columns,
        };
        let index = Index {
            name: name.clone(),
            table: table.clone(),
            unique,
            columns,
            created_in: self.migration,
        };
        self.indexes.insert(name, index);
    }

    /// Applies one statement of the current migration.
    pub fn apply(&mut self, node: &NodeEnum) {
        match node {
            NodeEnum::CreateStmt(s) => self.create_table(s),
            NodeEnum::CreateTableAsStmt(s) => {
                if let Some(rel) = s.into.as_ref().and_then(|i| i.rel.as_ref()) {
                    let name = TableName::from_range_var(rel);
                    if s.if_not_exists && self.table(&name).is_some() {
                        return;
                    }
                    let kind = if s.objtype == ObjectType::ObjectMatview as i32 {
                        RelationKind::MaterializedView
                    } else {
                        RelationKind::Table
                    };
                    let mut table = self.new_table(name, kind, false);
                    if kind == RelationKind::MaterializedView {
                        table.reads = self.expand_star(names_read(s.query.as_deref()));
                    }
                    self.add_table(table);
                }
            }
            NodeEnum::ViewStmt(s) => {
                if let Some(rel) = &s.view {
                    let name = TableName::from_range_var(rel);
                    let mut view = self.new_table(name, RelationKind::View, false);
                    view.reads = self.expand_star(names_read(s.query.as_deref()));
                    self.add_table(view);
                }
            }
            NodeEnum::AlterTableStmt(s) => self.alter_table(s),
            NodeEnum::RenameStmt(s) => self.rename(s),
            NodeEnum::DropStmt(s) => self.drop(s),
            NodeEnum::IndexStmt(s) => {
                let Some(rel) = &s.relation else { return };
                let table = TableName::from_range_var(rel);
                let name = if s.idxname.is_empty() {
                    format!("{}_idx", table.name)
                } else {
                    s.idxname.clone()
                };
                if s.if_not_exists && self.indexes.contains_key(&name) {
                    return;
                }
                let columns = names_of(&s.index_params);
                self.add_index(name, &table, s.unique, columns);
            }
            NodeEnum::CreateEnumStmt(s) => {
                if let Some(name) = last_name(&s.type_name) {
                    self.types.insert(name, self.migration);
                }
            }
            NodeEnum::CompositeTypeStmt(s) => {
                if let Some(t) = &s.typevar {
                    self.types.insert(t.relname.clone(), self.migration);
                }
            }
            NodeEnum::CreateRangeStmt(s) => {
                if let Some(name) = last_name(&s.type_name) {
                    self.types.insert(name, self.migration);
                }
            }
            NodeEnum::CreateDomainStmt(s) => {
                if let Some(name) = last_name(&s.domainname) {
                    self.domains.insert(name, self.migration);
                }
            }
            NodeEnum::CreateSchemaStmt(s)
                if !(s.if_not_exists && self.schemas.contains_key(&s.schemaname)) =>
            {
                self.schemas.insert(s.schemaname.clone(), self.migration);
            }
            NodeEnum::CreateFunctionStmt(s) => {
                if let Some(name) = last_name(&s.funcname) {
                    self.functions
                        .insert(name.clone(), function_volatility(&s.options));
                    if !(s.replace && self.routines.contains_key(&name)) {
                        self.routines.insert(name, self.migration);
                    }
                }
            }
            NodeEnum::CreateSeqStmt(s) => {
                if let Some(rel) = &s.sequence
                    && !(s.if_not_exists && self.sequences.contains_key(&rel.relname))
                {
                    self.sequences.insert(rel.relname.clone(), self.migration);
                }
            }
            _ => {}
        }
    }

    fn new_table(&self, name: TableName, kind: RelationKind, complete: bool) -> Table {
        Table {
            name,
            kind,
            created_in: self.migration,
            complete,
            columns: Vec::new(),
            constraints: Vec::new(),
            reads: Vec::new(),
        }
    }

    fn create_table(&mut self, s: &protobuf::CreateStmt) {
        let Some(rel) = &s.relation else { return };
        let name = TableName::from_range_var(rel);
        if s.if_not_exists && self.table(&name).is_some() {
            return;
        }
        let complete = s.inh_relations.is_empty() && s.of_typename.is_none();
        let mut table = self.new_table(name, RelationKind::Table, complete);
        let mut indexes = Vec::new();
        for elt in &s.table_elts {
            match &elt.node {
                Some(NodeEnum::ColumnDef(c)) => {
                    self.add_column(&mut table, c, &mut indexes);
                }
                Some(NodeEnum::Constraint(c)) => {
                    self.add_constraint(&mut table, c, None, &mut indexes);
                }
                Some(NodeEnum::TableLikeClause(_)) => table.complete = false,
                _ => {}
            }
        }
        let table_name = table.name.clone();
        self.add_table(table);
        for (name, unique, columns) in indexes {
            self.add_index(name, &table_name, unique, columns);
        }
    }

    fn add_column(
        &self,
        table: &mut Table,
        c: &protobuf::ColumnDef,
        indexes: &mut Vec<(String, bool, Vec<String>)>,
    ) {
        let ty = c
            .type_name
            .as_ref()
            .map(ColumnType::of)
            .unwrap_or(ColumnType {
                name: String::new(),
                typmods: Vec::new(),
                array: false,
            });
        let serial = matches!(ty.name.as_str(), "serial" | "bigserial" | "smallserial");
        let mut column = Column {
            name: c.colname.clone(),
            ty,
            not_null: c.is_not_null || serial,
            has_default: c.raw_default.is_some() || serial,
            identity: !c.identity.is_empty() || serial,
            generated: !c.generated.is_empty(),
            added_in: self.migration,
        };
        let mut inline = Vec::new();
        for n in &c.constraints {
            let Some(NodeEnum::Constraint(k)) = &n.node else {
                continue;
            };
            match ConstrType::try_from(k.contype) {
                Ok(ConstrType::ConstrNotnull) => column.not_null = true,
                Ok(ConstrType::ConstrNull) => column.not_null = false,
                Ok(ConstrType::ConstrDefault) => column.has_default = true,
                Ok(ConstrType::ConstrIdentity) => {
                    column.identity = true;
                    column.not_null = true;
                }
                Ok(ConstrType::ConstrGenerated) => column.generated = true,
                Ok(ConstrType::ConstrPrimary) => {
                    column.not_null = true;
                    inline.push(k);
                }
                _ => inline.push(k),
            }
        }
        table.columns.push(column);
        for k in inline {
            self.add_constraint(table, k, Some(&c.colname), indexes);
        }
    }

    fn add_constraint(
        &self,
        table: &mut Table,
        k: &protobuf::Constraint,
        column: Option<&str>,
        indexes: &mut Vec<(String, bool, Vec<String>)>,
    ) {
        let mut columns = names_of(&k.keys);
        if columns.is_empty() {
            columns = names_of(&k.fk_attrs);
        }
        if columns.is_empty()
            && let Some(c) = column
        {
            columns.push(c.to_string());
        }
        let (kind, suffix) = match ConstrType::try_from(k.contype) {
            Ok(ConstrType::ConstrCheck) => (ConstraintKind::Check, "check"),
            Ok(ConstrType::ConstrForeign) => (ConstraintKind::ForeignKey, "fkey"),
            Ok(ConstrType::ConstrUnique) => (ConstraintKind::Unique, "key"),
            Ok(ConstrType::ConstrPrimary) => (ConstraintKind::PrimaryKey, "pkey"),
            Ok(ConstrType::ConstrExclusion) => (ConstraintKind::Exclusion, "excl"),
            Ok(ConstrType::ConstrNotnull) => {
                for c in &columns {
                    if let Some(col) = table.column_mut(c) {
                        col.not_null = true;
                    }
                }
                return;
            }
            _ => return,
        };
        let name = if !k.conname.is_empty() {
            k.conname.clone()
        } else if kind == ConstraintKind::PrimaryKey {
            format!("{}_pkey", table.name.name)
        } else {
            let mut parts = vec![table.name.name.clone()];
            parts.extend(columns.iter().cloned());
            parts.push(suffix.to_string());
            parts.join("_")
        };
        if kind == ConstraintKind::PrimaryKey {
            for c in &columns {
                if let Some(col) = table.column_mut(c) {
                    col.not_null = true;
                }
            }
        }
        if matches!(
            kind,
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
        ) {
            // `USING INDEX i` turns the index into the constraint's: it keeps its columns.
            let index = if k.indexname.is_empty() {
                name.clone()
            } else {
                k.indexname.clone()
            };
            indexes.push((index, kind != ConstraintKind::Exclusion, columns.clone()));
        }
        let not_null_check_of = match (kind, k.raw_expr.as_deref().and_then(|e| e.node.as_ref())) {
            (ConstraintKind::Check, Some(NodeEnum::NullTest(t)))
                if t.nulltesttype == protobuf::NullTestType::IsNotNull as i32 =>
            {
                match t.arg.as_deref().and_then(|a| a.node.as_ref()) {
                    Some(NodeEnum::ColumnRef(r)) => last_name(&r.fields),
                    _ => None,
                }
            }
            _ => None,
        };
        table.constraints.retain(|c| c.name != name);
        table.constraints.push(Constraint {
            name,
            kind,
            validated: !k.skip_validation,
            not_null_check_of,
            added_in: self.migration,
        });
    }

    fn alter_table(&mut self, s: &protobuf::AlterTableStmt) {
        let Some(rel) = &s.relation else { return };
        if s.objtype != ObjectType::ObjectTable as i32 {
            return;
        }
        let name = TableName::from_range_var(rel);
        let Some(mut table) = self.table(&name).cloned() else {
            return;
        };
        let mut indexes = Vec::new();
        for cmd in &s.cmds {
            let Some(NodeEnum::AlterTableCmd(c)) = &cmd.node else {
                continue;
            };
            let def = c.def.as_deref().and_then(|d| d.node.as_ref());
            match AlterTableType::try_from(c.subtype) {
                Ok(AlterTableType::AtAddColumn) => {
                    if let Some(NodeEnum::ColumnDef(d)) = def
                        && !(c.missing_ok && table.column(&d.colname).is_some())
                    {
                        self.add_column(&mut table, d, &mut indexes);
                    }
                }
                Ok(AlterTableType::AtDropColumn) => {
                    table.columns.retain(|col| col.name != c.name);
                    self.indexes
                        .retain(|_, i| !(i.table.matches(&name) && i.columns.contains(&c.name)));
                }
                Ok(AlterTableType::AtAlterColumnType) => {
                    if let (Some(NodeEnum::ColumnDef(d)), Some(col)) =
                        (def, table.column_mut(&c.name))
                        && let Some(t) = &d.type_name
                    {
                        col.ty = ColumnType::of(t);
                    }
                }
                Ok(AlterTableType::AtSetNotNull) => {
                    if let Some(col) = table.column_mut(&c.name) {
                        col.not_null = true;
                    }
                }
                Ok(AlterTableType::AtDropNotNull) => {
                    if let Some(col) = table.column_mut(&c.name) {
                        col.not_null = false;
                    }
                }
                Ok(AlterTableType::AtColumnDefault) => {
                    if let Some(col) = table.column_mut(&c.name) {
                        col.has_default = def.is_some();
                    }
                }
                Ok(AlterTableType::AtAddIdentity) => {
                    if let Some(col) = table.column_mut(&c.name) {
                        col.identity = true;
                    }
                }
                Ok(AlterTableType::AtDropIdentity) => {
                    if let Some(col) = table.column_mut(&c.name) {
                        col.identity = false;
                    }
                }
                Ok(AlterTableType::AtDropExpression) => {
                    if let Some(col) = table.column_mut(&c.name) {
                        col.generated = false;
                    }
                }
                Ok(AlterTableType::AtAddConstraint) => {
                    if let Some(NodeEnum::Constraint(k)) = def {
                        self.add_constraint(&mut table, k, None, &mut indexes);
                    }
                }
                Ok(AlterTableType::AtValidateConstraint) => {
                    if let Some(k) = table.constraints.iter_mut().find(|k| k.name == c.name) {
                        k.validated = true;
                    }
                }
                Ok(AlterTableType::AtDropConstraint) => {
                    table.constraints.retain(|k| k.name != c.name);
                    self.indexes.remove(&c.name);
                }
                _ => {}
            }
        }
        for (index, unique, columns) in indexes {
            self.add_index(index, &name, unique, columns);
        }
        self.add_table(table);
    }

    fn rename(&mut self, s: &protobuf::RenameStmt) {
        let rel = s.relation.as_ref().map(TableName::from_range_var);
        match ObjectType::try_from(s.rename_type) {
            Ok(ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectMatview) => {
                let Some(old) = rel else { return };
                let Some(mut table) = self.table(&old).cloned() else {
                    return;
                };
                self.remove_table_only(&old);
                table.name.name = s.newname.clone();
                let new = table.name.clone();
                for view in self.tables.values_mut().flatten() {
                    if view.reads.contains(&old.name) {
                        view.reads.push(new.name.clone());
                    }
                }
                for i in self.indexes.values_mut() {
                    if i.table.matches(&old) {
                        i.table = new.clone();
                    }
                }
                self.add_table(table);
            }
            Ok(ObjectType::ObjectColumn) => {
                let Some(name) = rel else { return };
                if let Some(col) = self.table_mut(&name).and_then(|t| t.column_mut(&s.subname)) {
                    col.name = s.newname.clone();
                }
                for i in self.indexes.values_mut() {
                    if i.table.matches(&name) {
                        for c in &mut i.columns {
                            if *c == s.subname {
                                *c = s.newname.clone();
                            }
                        }
                    }
                }
                // A view keeps reading the column under its new name.
                for view in self.tables.values_mut().flatten() {
                    if view.reads.contains(&name.name) && view.reads.contains(&s.subname) {
                        view.reads.push(s.newname.clone());
                    }
                }
            }
            Ok(ObjectType::ObjectTabconstraint) => {
                let Some(name) = rel else { return };
                if let Some(k) = self
                    .table_mut(&name)
                    .and_then(|t| t.constraints.iter_mut().find(|k| k.name == s.subname))
                {
                    k.name = s.newname.clone();
                }
            }
            Ok(ObjectType::ObjectIndex) => {
                let Some(old) = rel else { return };
                if let Some(mut index) = self.indexes.remove(&old.name) {
                    index.name = s.newname.clone();
                    self.indexes.insert(s.newname.clone(), index);
                }
            }
            _ => {}
        }
    }

    fn remove_table_only(&mut self, name: &TableName) {
        if let Some(list) = self.tables.get_mut(&name.name) {
            list.retain(|t| !t.name.matches(name));
        }
    }

    fn drop(&mut self, s: &protobuf::DropStmt) {
        for object in &s.objects {
            let name = match &object.node {
                Some(NodeEnum::List(l)) => TableName::from_name_list(&l.items),
                Some(NodeEnum::String(v)) => Some(TableName {
                    schema: None,
                    name: v.sval.clone(),
                }),
                Some(NodeEnum::TypeName(t)) => last_name(&t.names).map(|n| TableName {
                    schema: None,
                    name: n,
                }),
                Some(NodeEnum::ObjectWithArgs(o)) => last_name(&o.objname).map(|n| TableName {
                    schema: None,
                    name: n,
                }),
                _ => None,
            };
            let Some(name) = name else { continue };
            match ObjectType::try_from(s.remove_type) {
                Ok(
                    ObjectType::ObjectTable
                    | ObjectType::ObjectView
                    | ObjectType::ObjectMatview
                    | ObjectType::ObjectForeignTable,
                ) => self.remove_table(&name),
                Ok(ObjectType::ObjectIndex) => {
                    self.indexes.remove(&name.name);
                }
                Ok(ObjectType::ObjectType) => {
                    self.types.remove(&name.name);
                }
                Ok(ObjectType::ObjectDomain) => {
                    self.domains.remove(&name.name);
                }
                Ok(ObjectType::ObjectFunction | ObjectType::ObjectProcedure) => {
                    self.routines.remove(&name.name);
                    self.functions.remove(&name.name);
                }
                Ok(ObjectType::ObjectSequence) => {
                    self.sequences.remove(&name.name);
                }
                Ok(ObjectType::ObjectSchema) => {
                    self.schemas.remove(&name.name);
                    for list in self.tables.values_mut() {
                        list.retain(|t| t.name.schema.as_deref() != Some(name.name.as_str()));
                    }
                    self.indexes
                        .retain(|_, i| i.table.schema.as_deref() != Some(name.name.as_str()));
                }
                _ => {}
            }
        }
    }
}

/// The volatility `CREATE FUNCTION` declares (PostgreSQL's default is `VOLATILE`).
fn function_volatility(options: &[protobuf::Node]) -> u8 {
    for o in options {
        if let Some(NodeEnum::DefElem(d)) = &o.node
            && d.defname == "volatility"
            && let Some(NodeEnum::String(s)) = d.arg.as_deref().and_then(|a| a.node.as_ref())
        {
            return match s.sval.as_str() {
                "immutable" => b'i',
                "stable" => b's',
                _ => b'v',
            };
        }
    }
    b'v'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::parse_sql;

    fn build(migrations: &[&str]) -> Schema {
        let mut schema = Schema::new();
        for sql in migrations {
            schema.begin_migration();
            for s in parse_sql(sql).unwrap().statements {
                schema.apply(&s.node);
            }
        }
        schema
    }

    fn t(name: &str) -> TableName {
        TableName {
            schema: None,
            name: name.into(),
        }
    }

    #[test]
    fn columns_keep_type_nullability_default_and_identity() {
        let s = build(&[
            "CREATE TABLE app.cases (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
             title varchar(200) NOT NULL, amount numeric(10,2) DEFAULT 0, at timestamp, tags text[], \
             total int GENERATED ALWAYS AS (1) STORED)",
        ]);
        let cases = s.table(&t("cases")).unwrap();
        assert_eq!(cases.name.to_string(), "app.cases");
        assert_eq!(cases.created_in, 1);
        let id = cases.column("id").unwrap();
        assert!(id.not_null && id.identity && id.ty.name == "int8");
        let title = cases.column("title").unwrap();
        assert_eq!(title.ty.to_string(), "varchar(200)");
        assert!(title.not_null);
        let amount = cases.column("amount").unwrap();
        assert!(amount.has_default && !amount.not_null);
        assert_eq!(amount.ty.typmods, [10, 2]);
        assert_eq!(cases.column("at").unwrap().ty.name, "timestamp");
        assert!(cases.column("tags").unwrap().ty.array);
        assert!(cases.column("total").unwrap().generated);
        assert_eq!(s.index("cases_pkey").unwrap().columns, ["id"]);
    }

    #[test]
    fn alterations_renames_and_drops_update_the_catalog() {
        let s = build(&[
            "CREATE TABLE cases (id int, title varchar(20)); CREATE INDEX cases_title_idx ON cases (title);",
            "ALTER TABLE cases ALTER COLUMN title TYPE varchar(40), ADD COLUMN body text NOT NULL DEFAULT '', \
             ADD CONSTRAINT body_nn CHECK (body IS NOT NULL) NOT VALID;",
            "ALTER TABLE cases RENAME COLUMN title TO subject; ALTER TABLE cases RENAME TO tickets;",
            "ALTER TABLE tickets VALIDATE CONSTRAINT body_nn; DROP INDEX cases_title_idx;",
        ]);
        assert!(s.table(&t("cases")).is_none());
        let tickets = s.table(&t("tickets")).unwrap();
        assert_eq!(
            tickets.column("subject").unwrap().ty.to_string(),
            "varchar(40)"
        );
        let k = &tickets.constraints[0];
        assert_eq!(
            (k.name.as_str(), k.validated, k.added_in),
            ("body_nn", true, 2)
        );
        assert_eq!(k.not_null_check_of.as_deref(), Some("body"));
        assert!(s.index("cases_title_idx").is_none());
        let s = build(&[
            "CREATE TABLE a (x int); CREATE INDEX a_x ON a (x);",
            "DROP TABLE a;",
        ]);
        assert!(s.table(&t("a")).is_none() && s.index("a_x").is_none());
    }

    #[test]
    fn a_constraint_using_an_index_keeps_the_index_columns() {
        let s = build(&[
            "CREATE TABLE a (x int NOT NULL, at timestamp); CREATE UNIQUE INDEX CONCURRENTLY a_x ON a (x, at);",
            "ALTER TABLE a ADD CONSTRAINT a_x UNIQUE USING INDEX a_x;",
        ]);
        assert_eq!(s.index("a_x").unwrap().columns, ["x", "at"]);
        assert_eq!(s.indexes_on(&t("a"), "at").count(), 1);
    }

    #[test]
    fn unknown_and_incomplete_relations() {
        let s =
            build(&["CREATE TABLE b AS SELECT 1 AS x; CREATE MATERIALIZED VIEW m AS SELECT 1;"]);
        assert!(!s.table(&t("b")).unwrap().complete);
        assert_eq!(
            s.table(&t("m")).unwrap().kind,
            RelationKind::MaterializedView
        );
        assert!(s.table(&t("legacy")).is_none());
    }

    #[test]
    fn functions_domains_and_schemas_are_recorded() {
        let s = build(&[
            "CREATE FUNCTION f() RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT 1'; \
             CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 1'; \
             CREATE DOMAIN email AS text; CREATE SCHEMA billing;",
        ]);
        assert_eq!(s.function_volatility("f"), Some(b'i'));
        assert_eq!(s.function_volatility("g"), Some(b'v'));
        assert_eq!(s.domain_created_in("email"), Some(1));
        assert_eq!(s.schema_created_in("billing"), Some(1));
    }
}
