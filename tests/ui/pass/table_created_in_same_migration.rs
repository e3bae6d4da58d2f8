static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/pass/table_created_in_same_migration");

fn main() {
    assert_eq!(MIGRATIONS.as_slice()[0].up.statements.len(), 5);
}
