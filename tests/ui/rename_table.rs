static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/rename_table");

fn main() {
    let _ = &MIGRATIONS;
}
