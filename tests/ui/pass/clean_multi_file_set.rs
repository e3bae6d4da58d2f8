static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("tests/ui/pass/clean_multi_file_set");

fn main() {
    let ids: Vec<&str> = MIGRATIONS.iter().map(|m| &*m.id).collect();
    assert_eq!(ids, ["202501010000_create_widgets", "202501020000_index_widgets", "202501030000_add_widget_color"]);
    let index = &MIGRATIONS.as_slice()[1].up.statements[0];
    assert!(!index.transaction.is_transactional());
    assert_eq!(MIGRATIONS.as_slice()[2].up.checksum.len(), 64);
}
