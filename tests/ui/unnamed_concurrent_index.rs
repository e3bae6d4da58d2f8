static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/unnamed_concurrent_index");

fn main() {
    let _ = &MIGRATIONS;
}
