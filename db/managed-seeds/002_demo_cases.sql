-- Demo cases for the two demo tenants. Seeds run once (seed_history), so plain INSERTs are fine;
-- ids come from the identity columns, rows are found by their natural keys.
INSERT INTO cases (tenant_id, title, status, priority)
SELECT t.id, v.title, v.status, v.priority
FROM (VALUES
    ('acme', 'Lease renewal for the Berlin office', 'open', 2),
    ('acme', 'Supplier contract review', 'pending', 3),
    ('acme', 'Trademark filing', 'closed', 4),
    ('globex', 'Employment dispute', 'open', 1),
    ('globex', 'Data-processing agreement', 'open', 3)
) AS v (slug, title, status, priority)
JOIN tenants t ON t.slug = v.slug
ORDER BY v.slug, v.title;
