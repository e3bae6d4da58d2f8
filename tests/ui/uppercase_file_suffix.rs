static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/uppercase_file_suffix");

fn main() {
    let _ = &MIGRATIONS;
}
