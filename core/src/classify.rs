//! What a statement is, whether it may run inside a transaction, and what it touches.

use std::fmt;

use crate::pg::NodeEnum;
use crate::pg::protobuf::{self, ObjectType, ReindexObjectType, TransactionStmtKind};

use crate::split::{ParsedFile, ParsedStatement};

/// A table name as written, unquoted and case-folded the way PostgreSQL does it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableName {
    /// The schema, when the statement names one.
    pub schema: Option<String>,
    /// The table's name.
    pub name: String,
}

impl TableName {
    /// Whether two names may denote the same table (an unqualified name matches any schema).
    pub fn matches(&self, other: &TableName) -> bool {
        self.name == other.name
            && match (&self.schema, &other.schema) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    pub(crate) fn from_range_var(rv: &protobuf::RangeVar) -> Self {
        TableName {
            schema: (!rv.schemaname.is_empty()).then(|| rv.schemaname.clone()),
            name: rv.relname.clone(),
        }
    }

    /// From a qualified name given as a list of `String` nodes (as `DROP` statements have them).
    pub(crate) fn from_name_list(items: &[protobuf::Node]) -> Option<Self> {
        let parts: Vec<&str> = items
            .iter()
            .filter_map(|n| match &n.node {
                Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
                _ => None,
            })
            .collect();
        match parts.as_slice() {
            [name] => Some(TableName {
                schema: None,
                name: name.to_string(),
            }),
            [.., schema, name] => Some(TableName {
                schema: Some(schema.to_string()),
                name: name.to_string(),
            }),
            [] => None,
        }
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

macro_rules! statement_kinds {
    ($($variant:ident => $label:literal,)*) => {
        /// The kind of a statement, as far as running and reporting it needs.
        ///
        /// The runtime crate has an enum with the same variant names; the macro maps one to
        /// the other by [`StatementKind::name`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum StatementKind {
            $(#[doc = $label] $variant,)*
        }

        impl StatementKind {
            /// Every kind, for exhaustive mapping tests.
            pub const ALL: &'static [StatementKind] = &[$(StatementKind::$variant,)*];

            /// The variant's name (`"CreateTable"`), shared with the runtime crate.
            pub fn name(self) -> &'static str {
                match self { $(StatementKind::$variant => stringify!($variant),)* }
            }

            /// A human label (`"CREATE TABLE"`).
            pub fn label(self) -> &'static str {
                match self { $(StatementKind::$variant => $label,)* }
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

/// Whether a statement can run inside the migration's transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransactionMode {
    /// Runs inside the migration's transaction (almost everything).
    Transactional,
    /// Must run outside a transaction because it runs `CONCURRENTLY`; without that it is an
    /// equivalent transactional statement, which test mode runs instead.
    Concurrently {
        /// The transactional form, written from the parse tree with the concurrent option
        /// removed (`REINDEX (CONCURRENTLY) TABLE t` becomes `REINDEX TABLE t`).
        transactional_sql: String,
    },
    /// Must run outside any transaction and has no transactional form (`VACUUM`,
    /// `CREATE DATABASE`, `REINDEX DATABASE`, ...).
    Autocommit,
}

/// What the analysis knows about one statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    /// Its kind.
    pub kind: StatementKind,
    /// Whether it can run in a transaction.
    pub transaction: TransactionMode,
    /// The table it acts on, if it acts on one.
    pub table: Option<TableName>,
    /// The object it creates or drops when that is not the table (an index's name).
    pub object: Option<String>,
    /// For a plain `CREATE INDEX` or `DROP INDEX`: the same statement with `CONCURRENTLY`,
    /// written from the parse tree, which the runtime runs instead when `INDEX_CONCURRENT=1`.
    /// `None` for everything else, and for an index on a table created earlier in the same
    /// migration (nothing uses it yet, and a plain build keeps the migration atomic).
    pub concurrent_sql: Option<String>,
}

/// Classifies one statement of `file`.
pub fn classify(file: &ParsedFile, stmt: &ParsedStatement) -> Classification {
    let mut class = classify_without_concurrent_form(file, stmt);
    class.concurrent_sql = concurrent_form(&stmt.node);
    class
}

/// [`classify`] without [`Classification::concurrent_sql`], which costs a clone of the tree
/// and a deparse: the analysis computes it only for an index on a table that already exists.
pub(crate) fn classify_without_concurrent_form(
    _file: &ParsedFile,
    stmt: &ParsedStatement,
) -> Classification {
    use StatementKind as K;
    let rv = |r: &Option<protobuf::RangeVar>| r.as_ref().map(TableName::from_range_var);
    let mut transaction = TransactionMode::Transactional;
    let mut object = None;
    let (kind, table) = match &stmt.node {
        NodeEnum::CreateStmt(s) => (K::CreateTable, rv(&s.relation)),
        NodeEnum::CreateTableAsStmt(s) => {
            let table = s.into.as_ref().and_then(|i| rv(&i.rel));
            if s.objtype == ObjectType::ObjectMatview as i32 {
                (K::CreateMaterializedView, table)
            } else {
                (K::CreateTableAs, table)
            }
        }
        NodeEnum::AlterTableStmt(s) => {
            // ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY cannot run in a transaction.
            let detach_concurrently = s.cmds.iter().any(|c| {
                matches!(&c.node, Some(NodeEnum::AlterTableCmd(cmd))
                    if matches!(cmd.def.as_deref().and_then(|d| d.node.as_ref()),
                                Some(NodeEnum::PartitionCmd(p)) if p.concurrent))
            });
            if detach_concurrently {
                transaction = concurrently(stmt);
            }
            (K::AlterTable, rv(&s.relation))
        }
        NodeEnum::RenameStmt(s) => (K::Rename, rv(&s.relation)),
        NodeEnum::IndexStmt(s) => {
            if s.concurrent {
                transaction = concurrently(stmt);
            }
            object = (!s.idxname.is_empty()).then(|| s.idxname.clone());
            (K::CreateIndex, rv(&s.relation))
        }
        NodeEnum::DropStmt(s) => {
            let first = s.objects.first().and_then(|n| match &n.node {
                Some(NodeEnum::List(l)) => TableName::from_name_list(&l.items),
                _ => None,
            });
            if s.concurrent {
                transaction = concurrently(stmt);
            }
            match ObjectType::try_from(s.remove_type) {
                Ok(ObjectType::ObjectTable) => (K::DropTable, first),
                Ok(ObjectType::ObjectIndex) => {
                    object = first.map(|n| n.to_string());
                    (K::DropIndex, None)
                }
                _ => (K::Drop, None),
            }
        }
        NodeEnum::ReindexStmt(s) => {
            let concurrent = s.params.iter().any(is_concurrently_option);
            let whole = matches!(
                ReindexObjectType::try_from(s.kind),
                Ok(ReindexObjectType::ReindexObjectDatabase
                    | ReindexObjectType::ReindexObjectSystem
                    | ReindexObjectType::ReindexObjectSchema)
            );
            if whole {
                transaction = TransactionMode::Autocommit;
            } else if concurrent {
                transaction = concurrently(stmt);
            }
            (K::Reindex, rv(&s.relation))
        }
        NodeEnum::ViewStmt(s) => (K::CreateView, rv(&s.view)),
        NodeEnum::RefreshMatViewStmt(s) => (K::RefreshMaterializedView, rv(&s.relation)),
        NodeEnum::CreateSeqStmt(s) => (K::CreateSequence, rv(&s.sequence)),
        NodeEnum::AlterSeqStmt(s) => (K::AlterSequence, rv(&s.sequence)),
        NodeEnum::CompositeTypeStmt(_)
        | NodeEnum::CreateEnumStmt(_)
        | NodeEnum::CreateRangeStmt(_)
        | NodeEnum::CreateDomainStmt(_) => (K::CreateType, None),
        NodeEnum::DefineStmt(s) if s.kind == ObjectType::ObjectType as i32 => (K::CreateType, None),
        NodeEnum::AlterEnumStmt(_) | NodeEnum::AlterTypeStmt(_) => (K::AlterType, None),
        NodeEnum::CreateFunctionStmt(_) => (K::CreateFunction, None),
        NodeEnum::CreateTrigStmt(s) => (K::CreateTrigger, rv(&s.relation)),
        NodeEnum::CreateExtensionStmt(_) => (K::CreateExtension, None),
        NodeEnum::CreateSchemaStmt(_) => (K::CreateSchema, None),
        NodeEnum::InsertStmt(s) => (K::Insert, rv(&s.relation)),
        NodeEnum::UpdateStmt(s) => (K::Update, rv(&s.relation)),
        NodeEnum::DeleteStmt(s) => (K::Delete, rv(&s.relation)),
        NodeEnum::MergeStmt(s) => (K::Merge, rv(&s.relation)),
        NodeEnum::SelectStmt(_) => (K::Select, None),
        NodeEnum::CopyStmt(s) => (K::Copy, rv(&s.relation)),
        NodeEnum::TruncateStmt(s) => {
            let table = s.relations.first().and_then(|n| match &n.node {
                Some(NodeEnum::RangeVar(r)) => Some(TableName::from_range_var(r)),
                _ => None,
            });
            (K::Truncate, table)
        }
        NodeEnum::VacuumStmt(s) => {
            let table = s.rels.first().and_then(|n| match &n.node {
                Some(NodeEnum::VacuumRelation(v)) => rv(&v.relation),
                _ => None,
            });
            if s.is_vacuumcmd {
                transaction = TransactionMode::Autocommit;
                (K::Vacuum, table)
            } else {
                (K::Analyze, table)
            }
        }
        NodeEnum::ClusterStmt(s) => {
            if s.relation.is_none() {
                transaction = TransactionMode::Autocommit;
            }
            (K::Cluster, rv(&s.relation))
        }
        NodeEnum::GrantStmt(_) | NodeEnum::GrantRoleStmt(_) => (K::Grant, None),
        NodeEnum::CommentStmt(_) => (K::Comment, None),
        NodeEnum::VariableSetStmt(_) => (K::Set, None),
        NodeEnum::DoStmt(_) => (K::Do, None),
        NodeEnum::CreatedbStmt(_) | NodeEnum::DropdbStmt(_) => {
            transaction = TransactionMode::Autocommit;
            (K::CreateDatabase, None)
        }
        NodeEnum::AlterSystemStmt(_)
        | NodeEnum::CreateTableSpaceStmt(_)
        | NodeEnum::DropTableSpaceStmt(_)
        | NodeEnum::CreateSubscriptionStmt(_)
        | NodeEnum::DropSubscriptionStmt(_)
        | NodeEnum::AlterDatabaseStmt(_) => {
            transaction = TransactionMode::Autocommit;
            (K::Other, None)
        }
        NodeEnum::TransactionStmt(_) => (K::TransactionControl, None),
        // `DISCARD ALL` cannot run inside a transaction block (the other forms can).
        NodeEnum::DiscardStmt(s) => {
            if s.target == protobuf::DiscardMode::DiscardAll as i32 {
                transaction = TransactionMode::Autocommit;
            }
            (K::Set, None)
        }
        _ => (K::Other, None),
    };
    Classification {
        kind,
        transaction,
        table,
        object,
        concurrent_sql: None,
    }
}

/// Whether a transaction statement takes transaction control away from the runner
/// (`BEGIN`, `COMMIT`, `ROLLBACK`, ...). Savepoints stay inside the transaction and are fine.
pub fn is_transaction_control(node: &NodeEnum) -> Option<&'static str> {
    let NodeEnum::TransactionStmt(t) = node else {
        return None;
    };
    use TransactionStmtKind as T;
    match T::try_from(t.kind).ok()? {
        T::TransStmtBegin => Some("BEGIN"),
        T::TransStmtStart => Some("START TRANSACTION"),
        T::TransStmtCommit => Some("COMMIT"),
        T::TransStmtRollback => Some("ROLLBACK"),
        T::TransStmtPrepare => Some("PREPARE TRANSACTION"),
        T::TransStmtCommitPrepared => Some("COMMIT PREPARED"),
        T::TransStmtRollbackPrepared => Some("ROLLBACK PREPARED"),
        T::TransStmtSavepoint | T::TransStmtRelease | T::TransStmtRollbackTo | T::Undefined => None,
    }
}

/// The mode of a statement that runs concurrently: its transactional form is the same tree
/// with every concurrent flag cleared, written back as SQL. (Without one, the statement can
/// only run outside a transaction.)
fn concurrently(stmt: &ParsedStatement) -> TransactionMode {
    let mut node = stmt.node.clone();
    match &mut node {
        NodeEnum::IndexStmt(s) => s.concurrent = false,
        NodeEnum::DropStmt(s) => s.concurrent = false,
        NodeEnum::ReindexStmt(s) => s.params.retain(|p| !is_concurrently_option(p)),
        NodeEnum::AlterTableStmt(s) => {
            for cmd in &mut s.cmds {
                if let Some(NodeEnum::AlterTableCmd(cmd)) = &mut cmd.node
                    && let Some(NodeEnum::PartitionCmd(p)) =
                        cmd.def.as_deref_mut().and_then(|d| d.node.as_mut())
                {
                    p.concurrent = false;
                }
            }
        }
        _ => return TransactionMode::Autocommit,
    }
    match crate::pg::deparse(&node) {
        Ok(transactional_sql) => TransactionMode::Concurrently { transactional_sql },
        Err(_) => TransactionMode::Autocommit,
    }
}

/// The concurrent form of a plain `CREATE INDEX` / `DROP INDEX` (one index), from its tree.
pub(crate) fn concurrent_form(node: &NodeEnum) -> Option<String> {
    let applies = match node {
        NodeEnum::IndexStmt(s) => !s.concurrent && !s.idxname.is_empty(),
        NodeEnum::DropStmt(s) => {
            !s.concurrent
                && s.remove_type == ObjectType::ObjectIndex as i32
                && s.objects.len() == 1
                // DROP INDEX CONCURRENTLY does not support CASCADE.
                && s.behavior != protobuf::DropBehavior::DropCascade as i32
        }
        _ => false,
    };
    if !applies {
        return None;
    }
    let mut node = node.clone();
    match &mut node {
        NodeEnum::IndexStmt(s) => s.concurrent = true,
        NodeEnum::DropStmt(s) => s.concurrent = true,
        _ => return None,
    }
    crate::pg::deparse(&node).ok()
}

/// Whether a `REINDEX` option is `CONCURRENTLY` turned on (`CONCURRENTLY`,
/// `CONCURRENTLY true`, `CONCURRENTLY on`, `CONCURRENTLY 1`), as the server reads it.
pub(crate) fn is_concurrently_option(option: &protobuf::Node) -> bool {
    let Some(NodeEnum::DefElem(d)) = &option.node else {
        return false;
    };
    if d.defname != "concurrently" {
        return false;
    }
    match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
        None => true,
        Some(NodeEnum::Boolean(b)) => b.boolval,
        Some(NodeEnum::Integer(i)) => i.ival != 0,
        Some(NodeEnum::String(s)) => {
            matches!(
                s.sval.to_ascii_lowercase().as_str(),
                "true" | "on" | "yes" | "1"
            )
        }
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::parse_sql;

    fn one(sql: &str) -> Classification {
        let file = parse_sql(sql).unwrap();
        classify(&file, &file.statements[0])
    }

    #[test]
    fn concurrent_index_runs_outside_the_transaction_and_knows_its_keyword() {
        let sql =
            "CREATE INDEX CONCURRENTLY idx ON app.cases (tenant_id) WHERE archived_at IS NULL";
        let c = one(sql);
        assert_eq!(c.kind, StatementKind::CreateIndex);
        assert_eq!(c.object.as_deref(), Some("idx"));
        assert_eq!(c.table.unwrap().to_string(), "app.cases");
        let TransactionMode::Concurrently { transactional_sql } = c.transaction else {
            panic!("{:?}", c.transaction)
        };
        assert_eq!(
            transactional_sql,
            "CREATE INDEX idx ON app.cases USING btree (tenant_id) WHERE archived_at IS NULL"
        );
    }

    #[test]
    fn plain_index_statements_have_a_concurrent_form_from_their_tree() {
        assert_eq!(
            one("create unique index if not exists i on s.t (lower(a)) where b is null")
                .concurrent_sql
                .as_deref(),
            Some(
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON s.t USING btree (lower(a)) WHERE b IS NULL"
            )
        );
        assert_eq!(
            one("DROP INDEX IF EXISTS s.i").concurrent_sql.as_deref(),
            Some("DROP INDEX CONCURRENTLY IF EXISTS s.i")
        );
        for sql in [
            "CREATE INDEX CONCURRENTLY i ON t (a)",
            "CREATE INDEX ON t (a)",
            "DROP INDEX a, b",
            "DROP INDEX i CASCADE",
            "DROP TABLE t",
        ] {
            assert_eq!(one(sql).concurrent_sql, None, "{sql}");
        }
    }

    #[test]
    fn every_concurrent_kind_has_a_transactional_form_from_its_tree() {
        for (sql, expected) in [
            ("REINDEX (CONCURRENTLY) TABLE t", "REINDEX TABLE t"),
            (
                "REINDEX (VERBOSE, CONCURRENTLY true) INDEX i",
                "REINDEX (VERBOSE) INDEX i",
            ),
            ("REINDEX INDEX CONCURRENTLY i", "REINDEX INDEX i"),
            (
                "DROP INDEX CONCURRENTLY IF EXISTS s.i",
                "DROP INDEX IF EXISTS s.i",
            ),
            (
                "ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY",
                "ALTER TABLE events DETACH PARTITION events_2020",
            ),
            (
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Odd\"\"name\" ON t (lower(a))",
                "CREATE UNIQUE INDEX IF NOT EXISTS \"Odd\"\"name\" ON t USING btree (lower(a))",
            ),
        ] {
            let TransactionMode::Concurrently { transactional_sql } = one(sql).transaction else {
                panic!("{sql}: not concurrent")
            };
            assert_eq!(transactional_sql, expected, "{sql}");
        }
        // `CONCURRENTLY false` is not concurrent at all.
        assert_eq!(
            one("REINDEX (CONCURRENTLY false) TABLE t").transaction,
            TransactionMode::Transactional
        );
    }

    #[test]
    fn statements_that_cannot_run_in_a_transaction() {
        for sql in [
            "VACUUM cases",
            "CREATE DATABASE x",
            "REINDEX DATABASE x",
            "ALTER SYSTEM SET work_mem = '1MB'",
            "DISCARD ALL",
        ] {
            assert_eq!(one(sql).transaction, TransactionMode::Autocommit, "{sql}");
        }
        for sql in [
            "ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY",
            "DROP INDEX CONCURRENTLY i",
            "REINDEX (CONCURRENTLY) INDEX i",
            "REINDEX INDEX CONCURRENTLY i",
        ] {
            assert!(
                matches!(one(sql).transaction, TransactionMode::Concurrently { .. }),
                "{sql}"
            );
        }
        for sql in [
            "ANALYZE cases",
            "CREATE INDEX i ON t (a)",
            "CREATE TABLE t (a int)",
            "DISCARD TEMP",
        ] {
            assert_eq!(
                one(sql).transaction,
                TransactionMode::Transactional,
                "{sql}"
            );
        }
    }

    #[test]
    fn kinds_and_tables() {
        let c = one("ALTER TABLE Cases DROP COLUMN title");
        assert_eq!(
            (c.kind, c.table.unwrap().name.as_str()),
            (StatementKind::AlterTable, "cases")
        );
        let c = one("DROP TABLE public.\"Notes\"");
        assert_eq!(c.kind, StatementKind::DropTable);
        assert_eq!(c.table.unwrap().to_string(), "public.Notes");
        assert_eq!(one("INSERT INTO t VALUES (1)").kind, StatementKind::Insert);
    }

    #[test]
    fn transaction_control_is_recognised_but_savepoints_are_not() {
        let file = parse_sql("BEGIN; SAVEPOINT a; ROLLBACK TO a; COMMIT; END; ABORT").unwrap();
        let found: Vec<Option<&str>> = file
            .statements
            .iter()
            .map(|s| is_transaction_control(&s.node))
            .collect();
        assert_eq!(
            found,
            [
                Some("BEGIN"),
                None,
                None,
                Some("COMMIT"),
                Some("COMMIT"),
                Some("ROLLBACK")
            ]
        );
    }

    #[test]
    fn every_kind_has_a_distinct_name() {
        let mut names: Vec<&str> = StatementKind::ALL.iter().map(|k| k.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), StatementKind::ALL.len());
    }
}
