-- case: create a table with everything
-- expect: ok
CREATE TABLE comments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    author_id bigint REFERENCES users (id),
    body text NOT NULL CHECK (body <> ''),
    token uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_order_idx ON comments (order_id);

-- case: create a sequence and use it as a default later
-- expect: ok
CREATE SEQUENCE invoice_numbers START 1000;
ALTER TABLE billing.invoices ALTER COLUMN id SET DEFAULT nextval('invoice_numbers');

-- case: create enum and table using it
-- expect: ok
CREATE TYPE priority AS ENUM ('low', 'high');
CREATE TABLE tickets (id int, p priority NOT NULL DEFAULT 'low');

-- case: add a column and index it concurrently
-- expect: ok
ALTER TABLE orders ADD COLUMN external_ref text;
CREATE INDEX CONCURRENTLY orders_external_ref_idx ON orders (external_ref);

-- case: expand step of a rename
-- expect: ok
ALTER TABLE users ADD COLUMN display_name text;
CREATE OR REPLACE FUNCTION users_sync_display() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.display_name := coalesce(NEW.display_name, NEW.nickname); RETURN NEW; END $$;
CREATE TRIGGER users_sync_display BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_sync_display();

-- case: add a nullable foreign key column then the key not valid
-- expect: ok
ALTER TABLE sessions ADD COLUMN tenant_id bigint;
ALTER TABLE sessions ADD CONSTRAINT sessions_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id) NOT VALID;

-- case: the full not null recipe, second migration
-- expect: ok
ALTER TABLE users VALIDATE CONSTRAINT users_bio_not_null;
ALTER TABLE users ALTER COLUMN bio SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_bio_not_null;

-- case: create index concurrently on a materialized view and refresh concurrently
-- expect: ok
CREATE UNIQUE INDEX CONCURRENTLY daily_orders_day_idx ON daily_orders (day);
REFRESH MATERIALIZED VIEW CONCURRENTLY daily_orders;

-- case: alter sequence
-- expect: ok
ALTER SEQUENCE IF EXISTS orders_legacy_seq RESTART WITH 5000;

-- case: create schema and table inside it
-- expect: ok
CREATE SCHEMA reporting;
CREATE TABLE reporting.snapshots (taken_at timestamptz PRIMARY KEY, data jsonb);
CREATE INDEX snapshots_data_idx ON reporting.snapshots USING gin (data);

-- case: comment only changes
-- expect: ok
COMMENT ON TABLE orders IS 'one row per checkout';
COMMENT ON INDEX orders_placed_at_idx IS 'for the dashboard';

-- case: default change on a column
-- expect: ok
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'paid';

-- case: analyze after a concurrent index
-- expect: ok
CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note) WHERE note IS NOT NULL;
ANALYZE orders;
