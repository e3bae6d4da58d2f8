static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/empty_up_file");

fn main() {
    let _ = &MIGRATIONS;
}
