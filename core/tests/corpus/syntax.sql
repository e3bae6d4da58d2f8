-- case: dollar-quoted function body with rule-like text
-- expect: ok
CREATE OR REPLACE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM sessions;
    UPDATE users SET settings = NULL;
    EXECUTE 'DROP TABLE orders';
END
$fn$;

-- case: DO block with rule-like text
-- expect: ok
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'x') THEN
        EXECUTE 'CREATE INDEX x ON users (email)';
    END IF;
    TRUNCATE sessions;
END
$$;

-- case: rule-like text in a string literal
-- expect: ok
INSERT INTO tenants (slug, name) VALUES ('drop-table', 'ALTER TABLE users DROP COLUMN email; VACUUM FULL');

-- case: rule-like text in comments
-- expect: ok
-- DROP TABLE users; VACUUM FULL users;
/* ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id); */
SELECT 1;

-- case: comment between sub-commands
-- expect: set-not-null
ALTER TABLE users
    -- the backfill finished in 202501
    ALTER COLUMN nickname SET NOT NULL,
    /* harmless */ ALTER COLUMN bio SET DEFAULT '';

-- case: quoted mixed-case table
-- expect: set-not-null
ALTER TABLE "Users" ALTER COLUMN "Nickname" SET NOT NULL;

-- case: quoted mixed-case table is not the lower-case one
-- expect: change-column-type
ALTER TABLE "Users" ALTER COLUMN email TYPE text;

-- case: schema-qualified public table known to the model
-- expect: ok
ALTER TABLE public.users ALTER COLUMN email TYPE text;

-- case: IF EXISTS and ONLY on an alter
-- expect: add-check-constraint
ALTER TABLE IF EXISTS ONLY orders ADD CONSTRAINT orders_note_check CHECK (note <> '');

-- case: lower-case keywords
-- expect: create-index-non-concurrently
create index orders_status_idx on orders (status);

-- case: several statements on one line
-- expect: delete-without-where, update-without-where
UPDATE sessions SET expires_at = now(); DELETE FROM sessions;

-- case: savepoints are fine
-- expect: ok
SAVEPOINT before_backfill;
RELEASE SAVEPOINT before_backfill;

-- case: transaction control
-- expect: transaction-control, transaction-control
BEGIN;
SELECT 1;
COMMIT;

-- case: set local is fine
-- expect: ok
SET LOCAL lock_timeout = '2s';
ALTER TABLE users ADD COLUMN theme text;

-- case: session set
-- expect: session-set
SET statement_timeout = 0;

-- case: multi-command alter reports each offending sub-command
-- expect: add-column-volatile-default, add-foreign-key, drop-column, set-not-null
ALTER TABLE users
    ADD COLUMN public_id uuid DEFAULT gen_random_uuid(),
    ADD COLUMN manager_id bigint REFERENCES users (id),
    ALTER COLUMN nickname SET NOT NULL,
    DROP COLUMN bio;

-- case: create table as select
-- expect: ok
CREATE TABLE order_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;
CREATE INDEX order_totals_user_idx ON order_totals (user_id);

-- case: grant and comment
-- expect: ok
GRANT SELECT ON users TO reporting;
COMMENT ON TABLE users IS 'people who log in';

-- case: create extension and trigger
-- expect: ok
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();

-- case: a view over existing tables
-- expect: ok
CREATE OR REPLACE VIEW paid_orders AS SELECT * FROM orders WHERE status = 'paid';

-- case: allow comment with two rules
-- expect: ok
-- pgshift:allow add-foreign-key, add-check-constraint -- tiny table, maintenance window
ALTER TABLE sessions ADD FOREIGN KEY (user_id) REFERENCES users (id), ADD CHECK (user_id > 0);

-- case: allow comment naming a rule that finds nothing is stale
-- expect: unused-allow
-- pgshift:allow add-foreign-key, create-index-non-concurrently -- tiny table, maintenance window
ALTER TABLE sessions ADD FOREIGN KEY (user_id) REFERENCES users (id);

-- case: allow comment on a safe statement is stale
-- expect: unused-allow
-- pgshift:allow set-not-null -- left over from an edit
ALTER TABLE sessions ADD COLUMN note text;

-- case: allow comment for the wrong rule allows nothing, and says so
-- expect: add-foreign-key, unused-allow
-- pgshift:allow add-check-constraint -- wrong id
ALTER TABLE sessions ADD FOREIGN KEY (user_id) REFERENCES users (id);

-- case: allow comment with a typo
-- expect: add-foreign-key, invalid-allow
-- pgshift:allow add-foreign-keys -- typo
ALTER TABLE sessions ADD FOREIGN KEY (user_id) REFERENCES users (id);

-- case: allow comment separated by a blank line
-- expect: add-foreign-key, misplaced-allow
-- pgshift:allow add-foreign-key -- too far away

ALTER TABLE sessions ADD FOREIGN KEY (user_id) REFERENCES users (id);

-- case: rename then create index on new name of a new table
-- expect: ok
CREATE TABLE t_old (a int);
ALTER TABLE t_old RENAME TO t_new;
CREATE INDEX t_new_a_idx ON t_new (a);
