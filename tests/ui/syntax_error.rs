static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/syntax_error");

fn main() {
    let _ = &MIGRATIONS;
}
