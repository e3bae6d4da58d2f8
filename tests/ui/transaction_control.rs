static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/transaction_control");

fn main() {
    let _ = &MIGRATIONS;
}
