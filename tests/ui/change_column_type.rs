static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/change_column_type");

fn main() {
    let _ = &MIGRATIONS;
}
