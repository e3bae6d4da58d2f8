-- One note per open case.
INSERT INTO case_notes (case_id, author, body)
SELECT c.id, 'demo', 'Opened from the demo seed: ' || c.title
FROM cases c
WHERE c.status = 'open'
ORDER BY c.id;
