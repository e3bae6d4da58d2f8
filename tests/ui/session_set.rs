static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/session_set");

fn main() {
    let _ = &MIGRATIONS;
}
