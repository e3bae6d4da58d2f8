ALTER TABLE cases RENAME COLUMN subject TO title;
