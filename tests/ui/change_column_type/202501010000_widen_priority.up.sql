ALTER TABLE cases ALTER COLUMN priority TYPE integer;
