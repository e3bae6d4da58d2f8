static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/allow_not_above_statement");

fn main() {
    let _ = &MIGRATIONS;
}
