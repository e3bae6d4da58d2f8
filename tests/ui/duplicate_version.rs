static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/duplicate_version");

fn main() {
    let _ = &MIGRATIONS;
}
