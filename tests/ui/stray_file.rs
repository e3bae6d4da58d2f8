static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/stray_file");

fn main() {
    let _ = &MIGRATIONS;
}
