static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/rule_in_multi_statement_file");

fn main() {
    let _ = &MIGRATIONS;
}
