-- case: vacuum full
-- expect: vacuum-full
VACUUM FULL users;

-- case: vacuum full with options
-- expect: vacuum-full
VACUUM (FULL, VERBOSE, ANALYZE) orders;

-- case: plain vacuum analyze
-- expect: ok
VACUUM (ANALYZE) orders;

-- case: analyze
-- expect: ok
ANALYZE users;

-- case: vacuum full whole database
-- expect: vacuum-full
VACUUM FULL;

-- case: cluster
-- expect: cluster
CLUSTER users USING users_pkey;

-- case: cluster all
-- expect: cluster
CLUSTER;

-- case: cluster on marks the index only
-- expect: ok
ALTER TABLE users CLUSTER ON users_pkey;

-- case: lock table default mode
-- expect: lock-table
LOCK TABLE orders;

-- case: lock table share mode
-- expect: lock-table
LOCK TABLE orders IN SHARE MODE;

-- case: lock table exclusive nowait
-- expect: lock-table
LOCK TABLE ONLY orders, users IN EXCLUSIVE MODE NOWAIT;

-- case: lock table row exclusive
-- expect: ok
LOCK TABLE orders IN ROW EXCLUSIVE MODE;

-- case: lock table access share
-- expect: ok
LOCK orders IN ACCESS SHARE MODE;

-- case: lock a new table
-- expect: ok
CREATE TABLE staging (a int);
LOCK TABLE staging IN ACCESS EXCLUSIVE MODE;

-- case: refresh materialized view
-- expect: refresh-materialized-view-without-concurrently
REFRESH MATERIALIZED VIEW daily_orders;

-- case: refresh materialized view concurrently
-- expect: ok
REFRESH MATERIALIZED VIEW CONCURRENTLY daily_orders;

-- case: refresh with no data
-- expect: ok
REFRESH MATERIALIZED VIEW daily_orders WITH NO DATA;

-- case: refresh a view created in the same migration
-- expect: ok
CREATE MATERIALIZED VIEW weekly_orders AS SELECT date_trunc('week', placed_at) AS week, count(*) FROM orders GROUP BY 1 WITH NO DATA;
REFRESH MATERIALIZED VIEW weekly_orders;

-- case: set logged
-- expect: set-table-logged-or-unlogged
ALTER TABLE sessions SET LOGGED;

-- case: set unlogged
-- expect: set-table-logged-or-unlogged
ALTER TABLE sessions SET UNLOGGED;

-- case: unlogged table created then logged
-- expect: ok
CREATE UNLOGGED TABLE bulk_load (a int);
ALTER TABLE bulk_load SET LOGGED;

-- case: set tablespace
-- expect: set-tablespace
ALTER TABLE orders SET TABLESPACE archive;

-- case: move all
-- expect: set-tablespace
ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE fast_ssd;

-- case: set storage parameters
-- expect: ok
ALTER TABLE orders SET (autovacuum_vacuum_scale_factor = 0.01, fillfactor = 90);

-- case: detach partition
-- expect: detach-partition-non-concurrently
ALTER TABLE events DETACH PARTITION events_2024;

-- case: detach partition concurrently
-- expect: ok
ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY;

-- case: attach partition
-- expect: ok
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

-- case: create partition
-- expect: ok
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');

-- case: enable row level security
-- expect: ok
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;

-- case: disable a trigger
-- expect: ok
ALTER TABLE orders DISABLE TRIGGER orders_audit;

-- case: change owner
-- expect: ok
ALTER TABLE orders OWNER TO app_owner;

-- case: replica identity
-- expect: ok
ALTER TABLE orders REPLICA IDENTITY FULL;
