-- Add the new column first.
ALTER TABLE cases ADD COLUMN subject text;

UPDATE cases SET subject = title WHERE subject IS NULL;

ALTER TABLE cases
    ADD COLUMN closed_at timestamptz,
    DROP COLUMN title;
