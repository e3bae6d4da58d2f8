-- The schema every corpus case starts from: applied as the first migration, each case is the
-- second. Tables not created here (`legacy_*`) are unknown to the model.
CREATE SCHEMA billing;
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');
CREATE DOMAIN email_address AS text;
CREATE TABLE tenants (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug varchar(50) NOT NULL UNIQUE,
    name text NOT NULL
);
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    email varchar(255) NOT NULL,
    name varchar(100),
    nickname varchar,
    bio text,
    country char(2),
    score numeric(10,2),
    balance numeric,
    last_ip cidr,
    created_at timestamp NOT NULL DEFAULT now(),
    seen_at timestamp,
    settings jsonb,
    code int,
    tags varchar(20)[]
);
CREATE INDEX users_tenant_id_idx ON users (tenant_id);
CREATE INDEX users_seen_at_idx ON users (seen_at);
ALTER TABLE users ADD CONSTRAINT users_name_not_null CHECK (name IS NOT NULL) NOT VALID;
ALTER TABLE users ADD CONSTRAINT users_bio_not_null CHECK (bio IS NOT NULL) NOT VALID;
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL,
    status order_status NOT NULL DEFAULT 'new',
    total numeric(12,2) NOT NULL DEFAULT 0,
    placed_at timestamptz NOT NULL DEFAULT now(),
    note text
);
CREATE INDEX orders_placed_at_idx ON orders (placed_at);
CREATE UNIQUE INDEX orders_id_user_idx ON orders (id, user_id);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
CREATE TABLE billing.invoices (
    id bigint NOT NULL,
    order_id bigint,
    amount numeric(12,2),
    issued_on date
);
CREATE TABLE events (id bigint, happened_at timestamptz NOT NULL, payload jsonb) PARTITION BY RANGE (happened_at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE MATERIALIZED VIEW daily_orders AS SELECT date_trunc('day', placed_at) AS day, count(*) AS n FROM orders GROUP BY 1;
CREATE VIEW active_users AS SELECT id, tenant_id FROM users WHERE tenant_id IS NOT NULL;
CREATE FUNCTION stable_region() RETURNS text STABLE LANGUAGE sql AS $$ SELECT 'eu' $$;
CREATE FUNCTION next_ticket() RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;
CREATE TABLE sessions (id uuid PRIMARY KEY, user_id bigint, expires_at timestamptz);
CREATE VIEW all_sessions AS SELECT * FROM sessions;
