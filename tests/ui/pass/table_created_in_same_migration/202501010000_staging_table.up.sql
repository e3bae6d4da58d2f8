CREATE TABLE import_staging (id bigint, raw text, parsed jsonb);
ALTER TABLE import_staging DROP COLUMN raw;
ALTER TABLE import_staging ALTER COLUMN id TYPE integer;
ALTER TABLE import_staging RENAME COLUMN parsed TO payload;
ALTER TABLE import_staging RENAME TO imports;
