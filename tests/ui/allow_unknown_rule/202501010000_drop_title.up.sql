-- pgshift:allow drop-columns -- the app stopped reading it in v42
ALTER TABLE cases DROP COLUMN title;
