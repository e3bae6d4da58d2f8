static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/missing_down_file");

fn main() {
    let _ = &MIGRATIONS;
}
