-- case: widen varchar
-- expect: ok
ALTER TABLE users ALTER COLUMN name TYPE varchar(200);

-- case: widen varchar spelled character varying
-- expect: ok
ALTER TABLE users ALTER COLUMN name TYPE character varying(150);

-- case: shrink varchar
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN name TYPE varchar(50);

-- case: varchar to text
-- expect: ok
ALTER TABLE users ALTER COLUMN email TYPE text;

-- case: varchar drop the limit
-- expect: ok
ALTER TABLE users ALTER COLUMN email TYPE varchar;

-- case: unbounded varchar to text
-- expect: ok
ALTER TABLE users ALTER COLUMN nickname TYPE text;

-- case: text to varchar without limit
-- expect: ok
ALTER TABLE users ALTER COLUMN bio TYPE varchar;

-- case: text to varchar with a limit
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN bio TYPE varchar(500);

-- case: char to text rewrites
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN country TYPE text;

-- case: char widened rewrites
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN country TYPE char(3);

-- case: numeric precision up same scale
-- expect: ok
ALTER TABLE users ALTER COLUMN score TYPE numeric(14,2);

-- case: numeric to unconstrained
-- expect: ok
ALTER TABLE users ALTER COLUMN score TYPE numeric;

-- case: decimal spelling
-- expect: ok
ALTER TABLE users ALTER COLUMN score TYPE decimal(12,2);

-- case: numeric scale change
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN score TYPE numeric(14,4);

-- case: unconstrained numeric to constrained
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN balance TYPE numeric(20,2);

-- case: cidr to inet
-- expect: ok
ALTER TABLE users ALTER COLUMN last_ip TYPE inet;

-- case: timestamp to timestamptz without index
-- expect: ok
ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz;

-- case: timestamp to timestamp with time zone spelled out
-- expect: ok
ALTER TABLE users ALTER COLUMN created_at TYPE timestamp with time zone;

-- case: timestamp to timestamptz on an indexed column
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN seen_at TYPE timestamptz;

-- case: timestamptz to timestamp on an indexed column
-- expect: change-column-type
ALTER TABLE orders ALTER COLUMN placed_at TYPE timestamp;

-- case: timestamp precision lowered
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN created_at TYPE timestamp(0);

-- case: int to bigint
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN code TYPE bigint;

-- case: same type again
-- expect: ok
ALTER TABLE users ALTER COLUMN code TYPE integer;

-- case: array element widened still rewrites
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN tags TYPE text[];

-- case: type change with USING
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN name TYPE varchar(200) USING btrim(name);

-- case: type change with COLLATE
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN bio TYPE text COLLATE "C";

-- case: jsonb to json
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN settings TYPE json;

-- case: unknown legacy column
-- expect: change-column-type
ALTER TABLE legacy_accounts ALTER COLUMN name TYPE text;

-- case: column from a partition of unknown columns
-- expect: change-column-type
ALTER TABLE events_2024 ALTER COLUMN payload TYPE json;

-- case: type change after a rename keeps the type
-- expect: rename-column
ALTER TABLE users RENAME COLUMN name TO full_name;
ALTER TABLE users ALTER COLUMN full_name TYPE text;

-- case: type change after a table rename keeps the type
-- expect: rename-table
ALTER TABLE users RENAME TO members;
ALTER TABLE members ALTER COLUMN email TYPE text;

-- case: type change of a column added in the same migration
-- expect: ok
ALTER TABLE orders ADD COLUMN ref varchar(20);
ALTER TABLE orders ALTER COLUMN ref TYPE varchar(40);

-- case: multi-command type changes, one safe one not
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN email TYPE text, ALTER COLUMN code TYPE bigint;

-- case: type change on a new table
-- expect: ok
CREATE TABLE imports (id int, raw text);
ALTER TABLE imports ALTER COLUMN id TYPE bigint;

-- case: type change allowed
-- expect: ok
-- pgshift:allow change-column-type -- users.code is read as i64 since v12
ALTER TABLE users ALTER COLUMN code TYPE bigint;

-- case: alter type add value
-- expect: ok
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';

-- case: alter type rename value
-- expect: alter-enum-rename-value
ALTER TYPE order_status RENAME VALUE 'shipped' TO 'sent';

-- case: composite attribute type change
-- expect: ok
ALTER TYPE address ALTER ATTRIBUTE zip TYPE text;

-- case: timestamp to timestamptz on a column of an index a constraint adopted
-- expect: change-column-type
CREATE UNIQUE INDEX CONCURRENTLY users_created_idx ON users (created_at, id);
ALTER TABLE users ADD CONSTRAINT users_created_key UNIQUE USING INDEX users_created_idx;
ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz;

-- case: a free widening of a column a view reads fails at run time
-- expect: change-column-type
ALTER TABLE users ALTER COLUMN tenant_id TYPE bigint, ALTER COLUMN email TYPE varchar(300);

-- case: a column the materialized view reads, count(*) is not a star
-- expect: change-column-type
ALTER TABLE orders ALTER COLUMN placed_at TYPE timestamptz(3), ALTER COLUMN note TYPE varchar;

-- case: a select-star view reads every column it had when created
-- expect: change-column-type
ALTER TABLE sessions ALTER COLUMN user_id TYPE numeric;

-- case: drop the view, change the type, create the view again
-- expect: ok
DROP VIEW active_users;
ALTER TABLE users ALTER COLUMN tenant_id TYPE bigint;
CREATE VIEW active_users AS SELECT id, tenant_id FROM users WHERE tenant_id IS NOT NULL;
