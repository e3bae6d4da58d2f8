static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/copy_to_stdout");

fn main() {
    let _ = &MIGRATIONS;
}
