static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/enum_value_used_in_same_transaction");

fn main() {
    let _ = &MIGRATIONS;
}
