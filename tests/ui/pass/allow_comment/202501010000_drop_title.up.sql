-- The app stopped reading cases.title in release 42.
-- pgshift:allow drop-column -- unused since v42, confirmed in the query logs
ALTER TABLE cases DROP COLUMN title;
