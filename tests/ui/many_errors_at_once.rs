static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/many_errors_at_once");

fn main() {
    let _ = &MIGRATIONS;
}
