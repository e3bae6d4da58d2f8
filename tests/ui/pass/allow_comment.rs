static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/pass/allow_comment");

fn main() {
    assert_eq!(MIGRATIONS.len(), 1);
    assert_eq!(MIGRATIONS.as_slice()[0].id, "202501010000_drop_title");
}
