const DIR: &str = "db/managed-migrations";

static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!(DIR);

fn main() {
    let _ = &MIGRATIONS;
}
