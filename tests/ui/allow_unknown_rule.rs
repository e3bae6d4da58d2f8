static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/allow_unknown_rule");

fn main() {
    let _ = &MIGRATIONS;
}
