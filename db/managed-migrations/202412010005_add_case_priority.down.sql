ALTER TABLE cases DROP COLUMN priority;
