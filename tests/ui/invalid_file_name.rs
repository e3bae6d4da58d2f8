static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/invalid_file_name");

fn main() {
    let _ = &MIGRATIONS;
}
