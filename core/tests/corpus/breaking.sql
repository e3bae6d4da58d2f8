-- case: drop table
-- expect: drop-table
DROP TABLE sessions;

-- case: drop table if exists cascade
-- expect: drop-table
DROP TABLE IF EXISTS billing.invoices CASCADE;

-- case: drop a table created in the same migration
-- expect: ok
CREATE TABLE tmp (a int);
DROP TABLE tmp;

-- case: drop table allowed
-- expect: ok
-- pgshift:allow drop-table -- replaced by billing.invoices in v30
DROP TABLE sessions;

-- case: rename table
-- expect: rename-table
ALTER TABLE sessions RENAME TO user_sessions;

-- case: rename a view
-- expect: ok
ALTER VIEW active_users RENAME TO recent_users;

-- case: drop schema
-- expect: drop-schema
DROP SCHEMA billing CASCADE;

-- case: drop schema if exists
-- expect: drop-schema
DROP SCHEMA IF EXISTS legacy;

-- case: drop a schema created in the same migration
-- expect: ok
CREATE SCHEMA scratch;
DROP SCHEMA scratch;

-- case: drop schema allowed
-- expect: ok
-- pgshift:allow drop-schema -- emptied in 202501 after the billing move
DROP SCHEMA legacy;

-- case: drop database
-- expect: drop-database
DROP DATABASE IF EXISTS analytics;

-- case: truncate
-- expect: truncate-table
TRUNCATE sessions;

-- case: truncate several with options
-- expect: truncate-table
TRUNCATE TABLE ONLY sessions, billing.invoices RESTART IDENTITY CASCADE;

-- case: truncate a new table
-- expect: ok
CREATE TABLE import_rows (line text);
TRUNCATE import_rows;

-- case: truncate allowed
-- expect: ok
-- pgshift:allow truncate-table -- sessions are recreated at login
TRUNCATE sessions;

-- case: drop view
-- expect: drop-view
DROP VIEW IF EXISTS active_users;

-- case: drop materialized view
-- expect: drop-view
DROP MATERIALIZED VIEW daily_orders;

-- case: drop function
-- expect: drop-function
DROP FUNCTION IF EXISTS next_ticket();

-- case: drop view created in the same migration
-- expect: ok
CREATE VIEW recent_orders AS SELECT id FROM orders;
DROP VIEW recent_orders;

-- case: drop and create a view again to remove a column
-- expect: ok
DROP VIEW active_users;
CREATE VIEW active_users AS SELECT id FROM users WHERE tenant_id IS NOT NULL;

-- case: drop and create a function again with a new return type
-- expect: ok
DROP FUNCTION IF EXISTS next_ticket();
CREATE FUNCTION next_ticket() RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;

-- case: replace a view in place
-- expect: ok
CREATE OR REPLACE VIEW active_users AS SELECT id, tenant_id FROM users WHERE tenant_id > 0;

-- case: drop procedure, schema-qualified
-- expect: drop-function
DROP PROCEDURE IF EXISTS billing.close_month(date);

-- case: drop sequence created in the same migration
-- expect: ok
CREATE SEQUENCE scratch_seq;
DROP SEQUENCE scratch_seq;

-- case: drop type of the set
-- expect: drop-type
DROP TYPE order_status;

-- case: drop type created in the same migration
-- expect: ok
CREATE TYPE mood AS ENUM ('ok');
DROP TYPE mood;

-- case: drop sequence
-- expect: drop-sequence
DROP SEQUENCE IF EXISTS orders_legacy_seq;
