//! `pgshift::index` against PostgreSQL's grammar and a real server: every statement parses as
//! one statement of the intended kind, hostile names and values stay names and values, default
//! names do not collide, and scaffolded pairs load and apply.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pgshift::index::{ActiveFilter, IndexSpec, IndexSpecBuilder, Key, Literal, Method};
use pgshift::{Migrator, Rollback, TransactionMode};
use pgshift_core::pg::NodeEnum;
use pgshift_localpg::TestDb;
use postgres::Client;
use postgres::types::ToSql;

const SCHEMA: &str = r#"x"; DROP TABLE t; --"#;
const TABLE: &str = r#"Cases "quoted" ケース"#;
const TENANT: &str = r#"tenant"; DROP TABLE t; --"#;
const SLUG: &str = r#"a""b 'c'"#;
const DELETED: &str = "deleted at; --";
const FLAG: &str = "Active?";
const CASE: &str = r#"case"id"#;
const SORT: &str = r"with space \ back";
const AREA: &str = "Area; --";
const CASE_ID: &str = "123e4567-e89b-12d3-a456-426614174000";

/// 63 bytes in 32 characters: the longest name PostgreSQL keeps whole.
fn long_column() -> String {
    format!("{}x", "ü".repeat(31))
}

const HOSTILE_VALUES: &[&str] = &[
    "'; DROP TABLE t; --",
    r"\'; DROP TABLE t; --",
    r"\",
    r"a\\b",
    "''",
    "$$; DROP TABLE t; $$",
    r"E'\x41'",
    "ünïcödé \"quoted\"",
    "",
    "line\nbreak\ttab",
];

// ---------------------------------------------------------------------------------------------
// (a) PostgreSQL's grammar

/// The one statement of `sql`, parsed by PostgreSQL's grammar.
fn parse_one(sql: &str) -> (NodeEnum, pgshift_core::classify::Classification) {
    let text = sql.to_string();
    let file = pgshift_core::pg::with_parser_stack(move || pgshift_core::split::parse_sql(&text))
        .unwrap_or_else(|e| panic!("{sql}\ndoes not parse: {}", e.message));
    assert_eq!(file.statements.len(), 1, "not one statement: {sql}");
    let class = pgshift_core::classify::classify(&file, &file.statements[0]);
    (file.statements[0].node.clone(), class)
}

/// Specs using every option, with names that need quoting.
fn specimens() -> Vec<IndexSpecBuilder> {
    let on = || IndexSpec::on(SCHEMA, TABLE);
    let mut all = vec![
        on().column(SLUG),
        on().column(SLUG).name(r#"idx"; DROP INDEX x; --"#),
        on().column(TENANT)
            .key(Key::column(SORT).desc().nulls_last())
            .key(Key::expression("lower(title)").asc().nulls_first())
            .unique()
            .include(long_column())
            .tenant_scope(TENANT, Literal::Int(-42))
            .case_scope(CASE, Literal::Uuid(CASE_ID.into()))
            .active_only(ActiveFilter::DeletedAtIsNull(DELETED.into()))
            .active_only(ActiveFilter::FlagIsTrue(FLAG.into()))
            .where_raw("priority > 3 OR urgent"),
        on().key(Key::column(SLUG).collate("C").opclass("text_pattern_ops"))
            .concurrently(false)
            .if_not_exists(true)
            .only(),
        on().key(Key::column(SLUG).opclass("gin_trgm_ops"))
            .method(Method::Gin),
        on().column(SLUG).method(Method::Hash),
        on().column(SLUG).method(Method::Brin),
        on().column(AREA).include(SORT).method(Method::Gist),
        on().column(SLUG).include(SORT).method(Method::SpGist),
    ];
    all.extend(
        HOSTILE_VALUES
            .iter()
            .map(|v| on().column(SLUG).case_scope(SLUG, *v)),
    );
    all
}

#[test]
fn every_statement_is_one_statement_of_postgres_grammar() {
    for builder in specimens() {
        let spec = builder.build().unwrap();
        let create = spec.create_sql();
        let (node, class) = parse_one(&create);
        let NodeEnum::IndexStmt(stmt) = node else {
            panic!("not CREATE INDEX: {create}");
        };
        assert_eq!(stmt.idxname, spec.name(), "{create}");
        let relation = stmt.relation.as_ref().unwrap();
        assert_eq!(
            (relation.schemaname.as_str(), relation.relname.as_str()),
            (SCHEMA, TABLE),
            "{create}"
        );
        assert_eq!(stmt.concurrent, spec.is_concurrent(), "{create}");
        assert_eq!(
            matches!(
                class.transaction,
                pgshift_core::TransactionMode::Concurrently { .. }
            ),
            spec.is_concurrent(),
            "{create}"
        );
        assert_eq!(class.object.as_deref(), Some(spec.name()));
        let first = stmt.index_params.first().and_then(|p| match &p.node {
            Some(NodeEnum::IndexElem(e)) => Some(e.name.as_str()),
            _ => None,
        });
        assert!(matches!(first, Some(SLUG | TENANT | AREA)), "{create}");

        let drop = spec.drop_sql();
        let (node, _) = parse_one(&drop);
        let NodeEnum::DropStmt(stmt) = node else {
            panic!("not DROP INDEX: {drop}");
        };
        let names: Vec<&str> = match stmt.objects.first().and_then(|o| o.node.as_ref()) {
            Some(NodeEnum::List(list)) => list
                .items
                .iter()
                .filter_map(|n| match &n.node {
                    Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
                    _ => None,
                })
                .collect(),
            other => panic!("{drop}: {other:?}"),
        };
        assert_eq!(names, [SCHEMA, spec.name()], "{drop}");
        assert_eq!(stmt.concurrent, spec.is_concurrent(), "{drop}");
        assert!(stmt.missing_ok, "{drop}");
    }
}

#[test]
fn options_reach_the_parse_tree() {
    let spec = specimens().swap_remove(2).build().unwrap();
    let (NodeEnum::IndexStmt(stmt), _) = parse_one(&spec.create_sql()) else {
        panic!("not CREATE INDEX");
    };
    assert!(stmt.unique);
    assert_eq!(stmt.access_method, "btree");
    assert_eq!(stmt.index_params.len(), 3);
    assert_eq!(stmt.index_including_params.len(), 1);
    assert!(stmt.where_clause.is_some());
    let (NodeEnum::IndexStmt(stmt), _) =
        parse_one(&specimens().swap_remove(3).build().unwrap().create_sql())
    else {
        panic!("not CREATE INDEX");
    };
    assert!(stmt.if_not_exists && !stmt.concurrent);
    assert!(!stmt.relation.as_ref().unwrap().inh, "ON ONLY");
}

// ---------------------------------------------------------------------------------------------
// (b) a real server

/// `format(template, args...)` evaluated by the server: PostgreSQL's own quoting, as a reference.
fn format_sql(client: &mut Client, template: &str, args: &[&str]) -> String {
    let placeholders: Vec<String> = (2..args.len() + 2).map(|i| format!("${i}::text")).collect();
    let query = format!("SELECT format($1::text, {})", placeholders.join(", "));
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&template];
    params.extend(args.iter().map(|a| a as &(dyn ToSql + Sync)));
    client.query_one(&query, &params).unwrap().get(0)
}

/// Every schema and relation outside the system schemas.
fn objects(client: &mut Client) -> BTreeSet<(String, String, String)> {
    client
        .query(
            "SELECT n.nspname::text, c.relname::text, c.relkind::text
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
             UNION ALL
             SELECT nspname::text, '', 'schema' FROM pg_namespace
              WHERE nspname <> 'information_schema' AND nspname !~ '^pg_'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// A database with a table whose schema, name and columns are hostile, and canary tables `t`.
fn hostile_database() -> (TestDb, Client) {
    let db = TestDb::new();
    let mut client = db.connect();
    let long = long_column();
    let setup = [
        format_sql(&mut client, "CREATE SCHEMA %I", &[SCHEMA]),
        "CREATE TABLE public.t (id int)".to_string(),
        format_sql(&mut client, "CREATE TABLE %I.t (id int)", &[SCHEMA]),
        format_sql(
            &mut client,
            "CREATE TABLE %I.%I (%I bigint, %I text, %I timestamptz, %I boolean, %I uuid, %I int, %I int, %I box, title text, priority int, urgent boolean)",
            &[
                SCHEMA,
                TABLE,
                TENANT,
                SLUG,
                DELETED,
                FLAG,
                CASE,
                SORT,
                long.as_str(),
                AREA,
            ],
        ),
    ];
    for sql in setup {
        client.batch_execute(&sql).unwrap();
    }
    (db, client)
}

/// `pg_get_indexdef` and validity of the index `name` of the hostile table.
fn index_of(client: &mut Client, name: &str) -> Option<(String, bool, bool)> {
    client
        .query_opt(
            "SELECT pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisunique
               FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relname = $2",
            &[&SCHEMA, &name],
        )
        .unwrap()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
}

/// The predicate of the index `name`, as the server deparses it.
fn predicate_of(client: &mut Client, name: &str) -> String {
    client
        .query_one(
            "SELECT pg_get_expr(i.indpred, i.indrelid)
               FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relname = $2",
            &[&SCHEMA, &name],
        )
        .unwrap()
        .get(0)
}

/// Builds the spec for `value` as pgshift writes it and as the server's `format()` writes it,
/// and checks both give the same index, valid, alone, and matching exactly the row it should.
fn check_hostile_build(client: &mut Client, value: &str, concurrently: bool, explicit_name: bool) {
    let mut builder = IndexSpec::on(SCHEMA, TABLE)
        .column(SLUG)
        .key(Key::column(SORT).desc())
        .tenant_scope(TENANT, 42)
        .case_scope(SLUG, value)
        .case_scope(CASE, Literal::Uuid(CASE_ID.to_uppercase()))
        .active_only(ActiveFilter::DeletedAtIsNull(DELETED.into()))
        .active_only(ActiveFilter::FlagIsTrue(FLAG.into()))
        .concurrently(concurrently);
    if explicit_name {
        builder = builder.name(format!(r#"ix"; DROP TABLE t; -- {}"#, value.len()));
    }
    let spec = builder.build().unwrap();

    let reference = format_sql(
        client,
        "CREATE INDEX %I ON %I.%I USING btree (%I, %I DESC) WHERE %I = 42 AND %I = %L AND %I = %L::uuid AND %I IS NULL AND %I = true",
        &[
            spec.name(),
            SCHEMA,
            TABLE,
            SLUG,
            SORT,
            TENANT,
            SLUG,
            value,
            CASE,
            CASE_ID,
            DELETED,
            FLAG,
        ],
    );
    client.batch_execute(&reference).unwrap();
    let expected = index_of(client, spec.name()).expect("the reference index exists");
    let drop_reference = format_sql(client, "DROP INDEX %I.%I", &[SCHEMA, spec.name()]);
    client.batch_execute(&drop_reference).unwrap();

    let before = objects(client);
    client
        .batch_execute(&spec.create_sql())
        .unwrap_or_else(|e| panic!("{}\n{e}", spec.create_sql()));
    let built = index_of(client, spec.name()).expect("the built index exists");
    assert_eq!(built, expected, "{}", spec.create_sql());
    assert!(built.1, "valid: {}", spec.create_sql());

    let after = objects(client);
    let added: Vec<_> = after.difference(&before).collect();
    assert_eq!(
        added,
        [&(SCHEMA.to_string(), spec.name().to_string(), "i".to_string())],
        "exactly the index is new"
    );
    assert!(before.is_subset(&after), "nothing was dropped");

    // The predicate selects exactly the rows asked for: values bound as parameters, not quoted.
    let table = format_sql(client, "%I.%I", &[SCHEMA, TABLE]);
    let insert = format_sql(
        client,
        "INSERT INTO %s (%I, %I, %I, %I, %I) VALUES ($1, $2, $3::text::uuid, NULL, $4)",
        &[&table, TENANT, SLUG, CASE, DELETED, FLAG],
    );
    let other = format!("{value}x");
    for (tenant, slug) in [(42_i64, value), (42, other.as_str()), (43, value)] {
        client
            .execute(&insert, &[&tenant, &slug, &CASE_ID, &true])
            .unwrap();
    }
    let predicate = predicate_of(client, spec.name());
    let matching: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM {table} WHERE {predicate}"),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(matching, 1, "{predicate}");
    client.batch_execute(&format!("TRUNCATE {table}")).unwrap();

    client.batch_execute(&spec.drop_sql()).unwrap();
    assert_eq!(
        objects(client),
        before,
        "the drop removes exactly the index"
    );
}

#[test]
fn hostile_names_and_values_build_exactly_the_index_asked_for() {
    let (_db, mut client) = hostile_database();
    let start = objects(&mut client);
    for (i, value) in HOSTILE_VALUES.iter().enumerate() {
        for concurrently in [false, true] {
            check_hostile_build(&mut client, value, concurrently, i % 2 == 1);
        }
    }
    assert_eq!(objects(&mut client), start);
    for table in [
        "public.t".to_string(),
        format_sql(&mut client, "%I.t", &[SCHEMA]),
    ] {
        assert!(
            common::table_exists(&mut client, &table),
            "{table} survived"
        );
    }
}

#[test]
fn values_mean_the_same_without_standard_conforming_strings() {
    let (_db, mut client) = hostile_database();
    client
        .batch_execute("SET standard_conforming_strings = off; SET escape_string_warning = off")
        .unwrap();
    for value in HOSTILE_VALUES {
        check_hostile_build(&mut client, value, true, false);
    }
}

#[test]
fn every_specimen_builds_on_a_real_server() {
    let (_db, mut client) = hostile_database();
    client
        .batch_execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        .unwrap_or_else(|e| panic!("the gin_trgm_ops specimen needs contrib's pg_trgm: {e}"));
    for builder in specimens() {
        let spec = builder.build().unwrap();
        let sql = spec.create_sql();
        let before = objects(&mut client);
        client
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}\n{e}"));
        let (_, valid, unique) = index_of(&mut client, spec.name()).expect("built");
        assert!(valid, "{sql}");
        assert_eq!(unique, sql.starts_with("CREATE UNIQUE"), "{sql}");
        client.batch_execute(&spec.drop_sql()).unwrap();
        assert_eq!(objects(&mut client), before, "{sql}");
    }
}

// ---------------------------------------------------------------------------------------------
// (c) default names

/// A small xorshift generator: the same "random" specs on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn random_spec(rng: &mut Rng) -> IndexSpecBuilder {
    // Near-misses on purpose: `tenant_id` against `tenant` + `id`, case, long shared prefixes.
    let long = "a_very_long_column_name_that_eats_the_whole_budget_of_63";
    let schemas = ["app", "public", "App"];
    let tables = ["cases", "case_notes", "case", "Cases", long];
    let columns = [
        "tenant_id",
        "tenant",
        "id",
        "status",
        "created_at",
        "id_status",
        "notes_x",
        long,
    ];
    let methods = [Method::BTree, Method::Gin, Method::Gist, Method::Brin];
    let method = methods[rng.below(methods.len())];
    let mut b = IndexSpec::on(
        schemas[rng.below(schemas.len())],
        tables[rng.below(tables.len())],
    )
    .method(method);
    for _ in 0..=rng.below(3) {
        let column = columns[rng.below(columns.len())];
        let mut key = if rng.below(6) == 0 {
            Key::expression(format!("lower({column})"))
        } else {
            Key::column(column)
        };
        if method == Method::BTree {
            key = match rng.below(4) {
                0 => key.desc(),
                1 => key.nulls_last(),
                _ => key,
            };
        }
        b = b.key(key);
    }
    if method == Method::BTree && rng.below(4) == 0 {
        b = b.unique();
    }
    if matches!(method, Method::BTree | Method::Gist) && rng.below(5) == 0 {
        b = b.include("title");
    }
    match rng.below(5) {
        0 => b = b.tenant_scope("tenant_id", rng.below(20) as i64),
        1 => b = b.tenant_scope("tenant_id", format!("{}", rng.below(20))),
        2 => b = b.case_scope("case_id", rng.below(20) as i64),
        _ => {}
    }
    if rng.below(3) == 0 {
        b = b.active_only(ActiveFilter::DeletedAtIsNull("deleted_at".into()));
    }
    if rng.below(8) == 0 {
        b = b.where_raw(format!("priority > {}", rng.below(5)));
    }
    b
}

#[test]
fn default_names_are_stable_short_and_distinct_for_distinct_specs() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut by_name: HashMap<String, String> = HashMap::new();
    let mut definitions = BTreeSet::new();
    let mut tries = 0;
    while definitions.len() < 1000 {
        tries += 1;
        assert!(tries < 100_000, "the generator repeats itself");
        let builder = random_spec(&mut rng);
        let spec = builder.clone().build().unwrap();
        let sql = spec.create_sql();
        if !definitions.insert(sql.clone()) {
            continue;
        }
        let name = spec.name().to_string();
        assert!(name.len() <= 63, "{name} is {} bytes", name.len());
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{name}"
        );
        assert_eq!(builder.clone().build().unwrap().name(), name, "stable");
        assert_eq!(
            builder.concurrently(false).build().unwrap().name(),
            name,
            "not renamed by CONCURRENTLY"
        );
        if let Some(earlier) = by_name.insert(name.clone(), sql.clone()) {
            panic!("{name} names both\n{earlier}\n{sql}");
        }
    }
    assert!(
        by_name.keys().any(|n| n.len() == 63),
        "some names were cut to fit"
    );
}

// ---------------------------------------------------------------------------------------------
// (d) scaffolding

/// 2025-01-01 12:00:30 UTC.
fn noon() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_735_732_830)
}

fn cases_table() -> [(&'static str, &'static str); 2] {
    [
        (
            "202501010000_cases.up.sql",
            "CREATE SCHEMA app;\nCREATE TABLE app.cases (id bigint PRIMARY KEY, tenant_id bigint, status text, deleted_at timestamptz);",
        ),
        ("202501010000_cases.down.sql", "DROP SCHEMA app CASCADE;"),
    ]
}

#[test]
fn scaffolds_a_pair_that_loads_applies_and_rolls_back() {
    let dir = common::folder(&cases_table());
    let spec = IndexSpec::on("app", "cases")
        .column("status")
        .tenant_scope("tenant_id", 42)
        .active_only(ActiveFilter::DeletedAtIsNull("deleted_at".into()))
        .build()
        .unwrap();

    let planned = pgshift::index::plan_migration(dir.path(), &spec, noon()).unwrap();
    assert!(!planned.up_path.exists(), "planning writes nothing");
    let pair = pgshift::index::scaffold(dir.path(), &spec, noon()).unwrap();
    assert_eq!(pair, planned);
    assert_eq!(pair.version, "202501011200");
    assert_eq!(pair.id, format!("202501011200_{}", spec.name()));
    assert_eq!(
        std::fs::read_to_string(&pair.up_path).unwrap(),
        format!("{};\n", spec.create_sql())
    );
    assert_eq!(
        std::fs::read_to_string(&pair.down_path).unwrap(),
        format!("{};\n", spec.drop_sql())
    );

    let set = common::load(dir.path());
    let migration = set.find(&pair.id).expect("the pair is a migration");
    assert!(matches!(
        migration.up.statements[0].transaction,
        TransactionMode::Concurrently { .. }
    ));
    assert!(matches!(
        migration.down.statements[0].transaction,
        TransactionMode::Concurrently { .. }
    ));

    let db = TestDb::new();
    let mut client = db.connect();
    let migrator = Migrator::new(&set);
    migrator.migrate(&mut client).unwrap();
    let index = format!("app.{}", spec.name());
    assert_eq!(common::index_valid(&mut client, &index), Some(true));
    migrator.rollback(&mut client, Rollback::Steps(1)).unwrap();
    assert_eq!(common::index_valid(&mut client, &index), None);
    assert!(common::table_exists(&mut client, "app.cases"));
}

#[test]
fn scaffolding_never_overwrites_and_bumps_the_minute_instead() {
    let dir = common::folder(&cases_table());
    // A migration of another name already holds the minute.
    std::fs::write(dir.path().join("202501011200_other.up.sql"), "SELECT 1;").unwrap();
    std::fs::write(dir.path().join("202501011200_other.down.sql"), "SELECT 1;").unwrap();
    let spec = IndexSpec::on("app", "cases")
        .column("status")
        .build()
        .unwrap();

    let first = pgshift::index::scaffold(dir.path(), &spec, noon()).unwrap();
    assert_eq!(first.version, "202501011201");
    let second = pgshift::index::scaffold(dir.path(), &spec, noon()).unwrap();
    assert_eq!(second.version, "202501011202");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("202501011200_other.up.sql")).unwrap(),
        "SELECT 1;"
    );

    // A pair planned before someone else took its version is not written over theirs.
    let stale = pgshift::index::plan_migration(dir.path(), &spec, noon()).unwrap();
    std::fs::write(&stale.up_path, "-- theirs").unwrap();
    assert!(stale.write().is_err());
    assert_eq!(
        std::fs::read_to_string(&stale.up_path).unwrap(),
        "-- theirs"
    );
    assert!(!stale.down_path.exists());

    let missing = dir.path().join("missing");
    let error = pgshift::index::scaffold(&missing, &spec, noon()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cannot list the migration folder"),
        "{error}"
    );
}
