static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/copy_from_stdin");

fn main() {
    let _ = &MIGRATIONS;
}
