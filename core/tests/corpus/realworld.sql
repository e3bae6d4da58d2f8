-- Real-world-shaped statements over the base schema, one per pattern that ships in migrations:
-- each verdict decided by hand from the lock PostgreSQL documents for the statement.

-- case: constant default not null
-- expect: ok
ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';

-- case: uuid default
-- expect: add-column-volatile-default
ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();

-- case: not null no default
-- expect: add-column-not-null-without-default
ALTER TABLE users ADD COLUMN n int NOT NULL;

-- case: plain index
-- expect: create-index-non-concurrently
CREATE INDEX users_email_idx ON users (email);

-- case: cic if not exists
-- expect: ok
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);

-- case: drop index
-- expect: drop-index-non-concurrently
DROP INDEX users_seen_at_idx;

-- case: drop index concurrently
-- expect: ok
DROP INDEX CONCURRENTLY IF EXISTS users_seen_at_idx;

-- case: fk
-- expect: add-foreign-key
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);

-- case: fk not valid
-- expect: ok
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;

-- case: validate
-- expect: ok
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;

-- case: check
-- expect: add-check-constraint
ALTER TABLE users ADD CONSTRAINT users_code_check CHECK (code > 0);

-- case: set not null with unvalidated check
-- expect: set-not-null
ALTER TABLE users ALTER COLUMN name SET NOT NULL;

-- case: validate then set not null
-- expect: ok
ALTER TABLE users VALIDATE CONSTRAINT users_name_not_null;
ALTER TABLE users ALTER COLUMN name SET NOT NULL;

-- case: bigserial
-- expect: add-column-serial-or-identity
ALTER TABLE users ADD COLUMN id2 bigserial;

-- case: stored generated
-- expect: add-column-stored-generated
ALTER TABLE users ADD COLUMN double_score numeric GENERATED ALWAYS AS (score * 2) STORED;

-- case: vacuum full
-- expect: vacuum-full
VACUUM FULL users;

-- case: vacuum analyze
-- expect: ok
VACUUM ANALYZE users;

-- case: cluster
-- expect: cluster
CLUSTER users USING users_pkey;

-- case: unlogged
-- expect: set-table-logged-or-unlogged
ALTER TABLE users SET UNLOGGED;

-- case: reindex
-- expect: reindex-without-concurrently
REINDEX TABLE users;

-- case: reindex concurrently
-- expect: ok
REINDEX INDEX CONCURRENTLY users_seen_at_idx;

-- case: truncate
-- expect: truncate-table
TRUNCATE sessions;

-- case: drop schema
-- expect: drop-schema
DROP SCHEMA billing CASCADE;

-- case: lock
-- expect: lock-table
LOCK TABLE users IN ACCESS EXCLUSIVE MODE;

-- case: refresh
-- expect: refresh-materialized-view-without-concurrently
REFRESH MATERIALIZED VIEW daily_orders;

-- case: refresh concurrently
-- expect: ok
REFRESH MATERIALIZED VIEW CONCURRENTLY daily_orders;

-- case: update all
-- expect: update-without-where
UPDATE users SET country = 'US';

-- case: delete all
-- expect: delete-without-where
DELETE FROM sessions;

-- case: rename column
-- expect: rename-column
ALTER TABLE users RENAME COLUMN name TO full_name;

-- case: rename table
-- expect: rename-table
ALTER TABLE users RENAME TO accounts;

-- case: drop column
-- expect: drop-column
ALTER TABLE users DROP COLUMN bio;

-- case: drop not null
-- expect: drop-not-null
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;

-- case: int to bigint
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN code TYPE bigint;

-- case: varchar widen
-- expect: ok
ALTER TABLE users ALTER COLUMN name TYPE varchar(200);

-- case: char to text
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN country TYPE text;

-- case: add pk
-- expect: add-primary-key
ALTER TABLE billing.invoices ADD PRIMARY KEY (id);

-- case: unique constraint
-- expect: add-unique-constraint
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);

-- case: new table with fk to existing
-- expect: ok
CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint REFERENCES users (id), at timestamptz NOT NULL DEFAULT now());

-- case: add enum value
-- expect: ok
ALTER TYPE order_status ADD VALUE 'refunded';

-- case: rename enum value
-- expect: alter-enum-rename-value
ALTER TYPE order_status RENAME VALUE 'paid' TO 'settled';

-- case: detach
-- expect: detach-partition-non-concurrently
ALTER TABLE events DETACH PARTITION events_2024;

-- case: set default
-- expect: ok
ALTER TABLE users ALTER COLUMN settings SET DEFAULT '{}';

-- case: inline references
-- expect: add-foreign-key
ALTER TABLE users ADD COLUMN a int, ADD COLUMN b bigint REFERENCES tenants (id);

-- case: unique using index built concurrently
-- expect: ok
CREATE UNIQUE INDEX CONCURRENTLY users_email_uq ON users (email);
ALTER TABLE users ADD CONSTRAINT users_email_uq UNIQUE USING INDEX users_email_uq;

-- case: set not null already not null
-- expect: ok
ALTER TABLE users ALTER COLUMN email SET NOT NULL;

-- case: now default
-- expect: ok
ALTER TABLE users ADD COLUMN updated_at timestamptz DEFAULT now();

-- case: random default
-- expect: add-column-volatile-default
ALTER TABLE users ADD COLUMN r float8 DEFAULT random();

-- case: domain check
-- expect: alter-domain-add-constraint
ALTER DOMAIN email_address ADD CONSTRAINT email_not_empty CHECK (VALUE <> '');

-- case: tablespace
-- expect: set-tablespace
ALTER TABLE users SET TABLESPACE fast;

-- case: drop legacy
-- expect: drop-table
DROP TABLE IF EXISTS legacy_audit;

-- case: exclusion
-- expect: add-exclusion-constraint
ALTER TABLE users ADD CONSTRAINT users_excl EXCLUDE USING gist (tenant_id WITH =);

-- case: grant
-- expect: ok
GRANT SELECT ON users TO reporting;

-- case: trigger
-- expect: ok
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION next_ticket();

-- case: rls
-- expect: ok
ALTER TABLE users ENABLE ROW LEVEL SECURITY;

-- case: session set
-- expect: session-set
SET statement_timeout = 0;

-- case: set local
-- expect: ok
SET LOCAL statement_timeout = '5min';

-- case: numeric precision up
-- expect: ok
ALTER TABLE orders ALTER COLUMN total TYPE numeric(14,2);

-- case: cidr inet
-- expect: ok
ALTER TABLE users ALTER COLUMN last_ip TYPE inet;

-- case: timestamptz no index
-- expect: ok
ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz;

-- case: timestamptz indexed
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN seen_at TYPE timestamptz;

-- case: inline check on add column
-- expect: add-check-constraint
ALTER TABLE users ADD COLUMN c int CHECK (c > 0);

-- case: inline unique on add column
-- expect: add-unique-constraint
ALTER TABLE users ADD COLUMN email2 text UNIQUE;

-- case: drop check constraint
-- expect: ok
ALTER TABLE users DROP CONSTRAINT users_name_not_null;

-- case: storage param
-- expect: ok
ALTER TABLE sessions SET (fillfactor = 70);

-- case: extension
-- expect: ok
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- case: legacy type change
-- expect: change-column-type
ALTER TABLE legacy_accounts ALTER COLUMN name TYPE text;

-- case: same type on column the view reads
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN id SET DATA TYPE bigint;

-- case: add pk using index
-- expect: ok
CREATE UNIQUE INDEX CONCURRENTLY invoices_id_idx ON billing.invoices (id);
ALTER TABLE billing.invoices ADD CONSTRAINT invoices_pkey PRIMARY KEY USING INDEX invoices_id_idx;

-- case: add column with fk not valid impossible inline
-- expect: add-foreign-key
ALTER TABLE sessions ADD COLUMN tenant_id bigint REFERENCES tenants (id);

-- case: create table if not exists existing then index
-- expect: create-index-non-concurrently
CREATE TABLE IF NOT EXISTS users (id bigint);
CREATE INDEX users_code_idx ON users (code);

-- case: alter column type using
-- expect: change-column-type
ALTER TABLE orders ALTER COLUMN note TYPE jsonb USING note::jsonb;

-- case: identity added to an existing NOT NULL column (catalog only)
-- expect: ok
ALTER TABLE billing.invoices ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;

-- case: drop default
-- expect: ok
ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;

-- case: vacuum full on new table
-- expect: ok
CREATE TABLE scratch (id int);
VACUUM FULL scratch;

-- case: update with where on existing
-- expect: ok
UPDATE users SET country = 'US' WHERE country IS NULL AND id < 1000;

-- case: insert select
-- expect: ok
INSERT INTO sessions (id, user_id) SELECT gen_random_uuid(), id FROM users WHERE false;

-- case: drop a column added in the same migration
-- expect: ok
ALTER TABLE users ADD COLUMN tmp int;
ALTER TABLE users DROP COLUMN tmp;

-- case: SET NOT NULL on a column added in the same migration still scans the table
-- expect: set-not-null
ALTER TABLE users ADD COLUMN flag boolean DEFAULT false;
ALTER TABLE users ALTER COLUMN flag SET NOT NULL;
