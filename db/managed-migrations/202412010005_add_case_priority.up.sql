-- Additive change: since PostgreSQL 11 a column with a constant default is added without a table rewrite.
ALTER TABLE cases ADD COLUMN priority smallint NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5);
COMMENT ON COLUMN cases.priority IS '1 = urgent, 5 = whenever';
