DROP TABEL widgets;
