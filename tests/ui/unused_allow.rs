static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/unused_allow");

fn main() {
    let _ = &MIGRATIONS;
}
