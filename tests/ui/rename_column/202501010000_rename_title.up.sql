ALTER TABLE cases RENAME COLUMN title TO subject;
