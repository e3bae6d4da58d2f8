ALTER TABLE cases ADD COLUMN title text;
