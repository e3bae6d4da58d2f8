static MIGRATIONS: pgshift::Migrations =
    pgshift::embed_migrations!("tests/ui/multi_command_alter_on_existing_table");

fn main() {
    let _ = &MIGRATIONS;
}
