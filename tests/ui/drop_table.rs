static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/drop_table");

fn main() {
    let _ = &MIGRATIONS;
}
