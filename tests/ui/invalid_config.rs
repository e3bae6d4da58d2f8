static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/invalid_config");

fn main() {
    let _ = &MIGRATIONS;
}
