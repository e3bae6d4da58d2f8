static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/rename_column");

fn main() {
    let _ = &MIGRATIONS;
}
