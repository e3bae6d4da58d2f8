ALTER TABLE cases ADD COLUMN title text;
ALTER TABLE cases DROP COLUMN subject, DROP COLUMN closed_at;
