ALTER TYPE case_status ADD VALUE 'archived';
UPDATE cases SET status = 'archived' WHERE closed_at < now() - interval '1 year';
