static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/drop_column");

fn main() {
    let _ = &MIGRATIONS;
}
