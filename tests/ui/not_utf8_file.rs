static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/not_utf8_file");

fn main() {
    let _ = &MIGRATIONS;
}
