-- pgshift:allow drop-column -- the app stopped reading it in v42
ALTER TABLE cases ADD COLUMN note text;
