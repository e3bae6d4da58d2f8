-- Additive change: since PostgreSQL 11 a column with a constant default is added without a table rewrite.
-- pgshift:allow add-check-constraint -- the CHECK scans `cases` once under its lock; the demo's table is small
ALTER TABLE cases ADD COLUMN priority smallint NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5);
COMMENT ON COLUMN cases.priority IS '1 = urgent, 5 = whenever';
