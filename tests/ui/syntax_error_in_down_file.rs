static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/syntax_error_in_down_file");

fn main() {
    let _ = &MIGRATIONS;
}
