static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/no_such_folder");

fn main() {
    let _ = &MIGRATIONS;
}
