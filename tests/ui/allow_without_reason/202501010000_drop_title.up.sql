-- pgshift:allow drop-column
ALTER TABLE cases DROP COLUMN title;
