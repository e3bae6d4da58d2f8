static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/allow_without_reason");

fn main() {
    let _ = &MIGRATIONS;
}
