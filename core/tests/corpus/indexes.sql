-- case: plain create index on existing table
-- expect: create-index-non-concurrently
CREATE INDEX users_email_idx ON users (email);

-- case: concurrent create index
-- expect: ok
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);

-- case: concurrent unique index if not exists
-- expect: ok
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_tenant_email_idx ON users (tenant_id, lower(email));

-- case: plain unique index
-- expect: create-index-non-concurrently
CREATE UNIQUE INDEX users_tenant_email_idx ON users (tenant_id, email);

-- case: plain partial index with schema
-- expect: create-index-non-concurrently
CREATE INDEX invoices_open_idx ON billing.invoices (issued_on) WHERE amount > 0;

-- case: plain index with ONLY
-- expect: create-index-non-concurrently
CREATE INDEX events_happened_idx ON ONLY events (happened_at);

-- case: plain gin index
-- expect: create-index-non-concurrently
CREATE INDEX users_settings_idx ON users USING gin (settings jsonb_path_ops);

-- case: plain index on a legacy table
-- expect: create-index-non-concurrently
CREATE INDEX legacy_accounts_owner_idx ON legacy_accounts (owner);

-- case: plain index on a table created in the same migration
-- expect: ok
CREATE TABLE audit_log (id bigint, at timestamptz);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- case: index on a table created with IF NOT EXISTS is not exempt
-- expect: create-index-non-concurrently
CREATE TABLE IF NOT EXISTS users (id bigint);
CREATE INDEX users_id2_idx ON users (id);

-- case: plain index allowed for INDEX_CONCURRENT deploys
-- expect: ok
-- pgshift:allow create-index-non-concurrently -- deployed with INDEX_CONCURRENT=1
CREATE INDEX users_email_idx ON users (email);

-- case: unnamed concurrent index
-- expect: unnamed-concurrent-index
CREATE INDEX CONCURRENTLY ON users (email);

-- case: plain drop index
-- expect: drop-index-non-concurrently
DROP INDEX users_seen_at_idx;

-- case: plain drop index if exists with schema
-- expect: drop-index-non-concurrently
DROP INDEX IF EXISTS public.users_seen_at_idx;

-- case: drop two indexes
-- expect: drop-index-non-concurrently
DROP INDEX users_seen_at_idx, orders_placed_at_idx;

-- case: concurrent drop index
-- expect: ok
DROP INDEX CONCURRENTLY IF EXISTS users_seen_at_idx;

-- case: drop an index of a table created in the same migration
-- expect: ok
CREATE TABLE scratch (a int);
CREATE INDEX scratch_a_idx ON scratch (a);
DROP INDEX scratch_a_idx;

-- case: drop an unknown index
-- expect: drop-index-non-concurrently
DROP INDEX legacy_accounts_owner_idx;

-- case: reindex index
-- expect: reindex-without-concurrently
REINDEX INDEX users_seen_at_idx;

-- case: reindex table
-- expect: reindex-without-concurrently
REINDEX TABLE users;

-- case: reindex table concurrently
-- expect: ok
REINDEX TABLE CONCURRENTLY users;

-- case: reindex with options
-- expect: ok
REINDEX (VERBOSE, CONCURRENTLY) INDEX users_seen_at_idx;

-- case: reindex concurrently false
-- expect: reindex-without-concurrently
REINDEX (CONCURRENTLY false) TABLE users;

-- case: reindex schema
-- expect: reindex-without-concurrently
REINDEX SCHEMA billing;

-- case: reindex a new table
-- expect: ok
CREATE TABLE tmp_rx (a int PRIMARY KEY);
REINDEX TABLE tmp_rx;

-- case: alter index rename
-- expect: ok
ALTER INDEX users_seen_at_idx RENAME TO users_last_seen_idx;

-- case: alter index set tablespace
-- expect: set-tablespace
ALTER INDEX users_seen_at_idx SET TABLESPACE fast_ssd;

-- case: alter index set fillfactor
-- expect: ok
ALTER INDEX users_seen_at_idx SET (fillfactor = 80);

-- case: create index and foreign key together
-- expect: add-foreign-key, create-index-non-concurrently
CREATE INDEX orders_user_id_idx ON orders (user_id);
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);

-- case: concurrent index and NOT VALID foreign key
-- expect: ok
CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
