-- case: update without where
-- expect: update-without-where
UPDATE users SET settings = '{}'::jsonb;

-- case: update with where
-- expect: ok
UPDATE users SET settings = '{}'::jsonb WHERE settings IS NULL AND id < 10000;

-- case: update from another table without where
-- expect: update-without-where
UPDATE orders SET note = u.name FROM users u;

-- case: update with a join condition
-- expect: ok
UPDATE orders o SET note = u.name FROM users u WHERE u.id = o.user_id;

-- case: update only, quoted schema
-- expect: update-without-where
UPDATE ONLY "billing"."invoices" SET amount = 0;

-- case: update a table created in the same migration
-- expect: ok
CREATE TABLE counters (name text, n int);
INSERT INTO counters VALUES ('a', 0);
UPDATE counters SET n = n + 1;

-- case: update with a CTE
-- expect: update-without-where
WITH x AS (SELECT 1) UPDATE sessions SET expires_at = now();

-- case: update allowed
-- expect: ok
-- pgshift:allow update-without-where -- settings has one row per tenant, 40 rows
UPDATE tenants SET name = trim(name);

-- case: delete without where
-- expect: delete-without-where
DELETE FROM sessions;

-- case: delete with where
-- expect: ok
DELETE FROM sessions WHERE expires_at < now() - interval '30 days';

-- case: delete using without where
-- expect: delete-without-where
DELETE FROM sessions USING users;

-- case: delete with returning but no where
-- expect: delete-without-where
DELETE FROM ONLY sessions RETURNING id;

-- case: delete from a new table
-- expect: ok
CREATE TABLE tmp_ids (id int);
DELETE FROM tmp_ids;

-- case: insert select
-- expect: ok
INSERT INTO billing.invoices (id, order_id, amount) SELECT id, id, total FROM orders WHERE status = 'paid';

-- case: insert on conflict
-- expect: ok
INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme') ON CONFLICT (slug) DO NOTHING;

-- case: merge
-- expect: ok
MERGE INTO tenants t USING (VALUES ('acme', 'Acme')) v(slug, name) ON t.slug = v.slug WHEN NOT MATCHED THEN INSERT (slug, name) VALUES (v.slug, v.name);

-- case: select into a function call
-- expect: ok
SELECT setval('orders_id_seq', (SELECT max(id) FROM orders));

-- case: enum value used in the migration that adds it
-- expect: enum-value-used-in-same-transaction
ALTER TYPE order_status ADD VALUE 'cancelled';
UPDATE orders SET status = 'cancelled' WHERE id = 1;
