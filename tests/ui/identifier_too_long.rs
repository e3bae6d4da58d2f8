static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/identifier_too_long");

fn main() {
    let _ = &MIGRATIONS;
}
