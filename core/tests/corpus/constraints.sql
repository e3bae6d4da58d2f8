-- case: foreign key without NOT VALID
-- expect: add-foreign-key
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);

-- case: foreign key NOT VALID
-- expect: ok
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;

-- case: foreign key NOT VALID then validate in same migration
-- expect: validate-in-same-transaction
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;

-- case: validate a constraint added NOT VALID in an earlier migration
-- expect: ok
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;

-- case: validate an unknown constraint of a legacy table
-- expect: ok
ALTER TABLE legacy_accounts VALIDATE CONSTRAINT legacy_accounts_owner_fk;

-- case: inline REFERENCES in ADD COLUMN
-- expect: add-foreign-key
ALTER TABLE sessions ADD COLUMN tenant_id bigint REFERENCES tenants (id);

-- case: inline REFERENCES with ON DELETE
-- expect: add-foreign-key
ALTER TABLE billing.invoices ADD COLUMN customer_id bigint REFERENCES users (id) ON DELETE SET NULL;

-- case: schema-qualified foreign key target
-- expect: add-foreign-key
ALTER TABLE billing.invoices ADD FOREIGN KEY (order_id) REFERENCES public.orders (id);

-- case: quoted names in a foreign key
-- expect: add-foreign-key
ALTER TABLE "orders" ADD CONSTRAINT "Orders_User_FK" FOREIGN KEY ("user_id") REFERENCES "users" ("id");

-- case: foreign key on a table created in the same migration
-- expect: ok
CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint);
ALTER TABLE refunds ADD CONSTRAINT refunds_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);

-- case: create table with references is fine
-- expect: ok
CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), user_id bigint REFERENCES users);

-- case: foreign key allowed with a reason
-- expect: ok
-- pgshift:allow add-foreign-key -- sessions has a few hundred rows
ALTER TABLE sessions ADD CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id);

-- case: check without NOT VALID
-- expect: add-check-constraint
ALTER TABLE orders ADD CONSTRAINT orders_note_length CHECK (length(note) < 1000);

-- case: check NOT VALID
-- expect: ok
ALTER TABLE orders ADD CONSTRAINT orders_note_length CHECK (length(note) < 1000) NOT VALID;

-- case: unnamed check
-- expect: add-check-constraint
ALTER TABLE users ADD CHECK (score >= 0);

-- case: inline check in ADD COLUMN with a constant default
-- expect: add-check-constraint
ALTER TABLE orders ADD COLUMN priority smallint NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5);

-- case: check and validate in one migration
-- expect: validate-in-same-transaction
ALTER TABLE users ADD CONSTRAINT users_score_positive CHECK (score >= 0) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_score_positive;

-- case: check NOT VALID and validate on a new table
-- expect: ok
CREATE TABLE coupons (id int, pct int);
ALTER TABLE coupons ADD CONSTRAINT coupons_pct CHECK (pct <= 100) NOT VALID;
ALTER TABLE coupons VALIDATE CONSTRAINT coupons_pct;

-- case: check on an unknown legacy table
-- expect: add-check-constraint
ALTER TABLE legacy_accounts ADD CONSTRAINT balance_positive CHECK (balance >= 0);

-- case: unique constraint
-- expect: add-unique-constraint
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);

-- case: unique constraint using an index built concurrently
-- expect: ok
CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;

-- case: unique using index of a legacy table
-- expect: ok
ALTER TABLE legacy_accounts ADD CONSTRAINT legacy_accounts_email_key UNIQUE USING INDEX legacy_accounts_email_idx;

-- case: inline unique on ADD COLUMN
-- expect: add-unique-constraint
ALTER TABLE users ADD COLUMN handle text UNIQUE;

-- case: unique nulls not distinct
-- expect: add-unique-constraint
ALTER TABLE billing.invoices ADD CONSTRAINT invoices_order_key UNIQUE NULLS NOT DISTINCT (order_id);

-- case: unique on a new table
-- expect: ok
CREATE TABLE api_keys (id bigint, token text);
ALTER TABLE api_keys ADD CONSTRAINT api_keys_token_key UNIQUE (token);

-- case: primary key built in place
-- expect: add-primary-key
ALTER TABLE billing.invoices ADD PRIMARY KEY (id);

-- case: primary key using index of NOT NULL column
-- expect: ok
CREATE UNIQUE INDEX CONCURRENTLY invoices_id_idx ON billing.invoices (id);
ALTER TABLE billing.invoices ADD CONSTRAINT invoices_pkey PRIMARY KEY USING INDEX invoices_id_idx;

-- case: primary key using index of a nullable column
-- expect: add-primary-key
CREATE UNIQUE INDEX CONCURRENTLY invoices_order_id_idx ON billing.invoices (order_id);
ALTER TABLE billing.invoices ADD CONSTRAINT invoices_pkey PRIMARY KEY USING INDEX invoices_order_id_idx;

-- case: primary key on a legacy table
-- expect: add-primary-key
ALTER TABLE ONLY legacy_accounts ADD CONSTRAINT legacy_accounts_pkey PRIMARY KEY (id);

-- case: serial primary key column added
-- expect: add-column-serial-or-identity, add-primary-key
ALTER TABLE sessions ADD COLUMN seq bigserial PRIMARY KEY;

-- case: exclusion constraint
-- expect: add-exclusion-constraint
ALTER TABLE sessions ADD CONSTRAINT sessions_no_overlap EXCLUDE USING gist (user_id WITH =, tstzrange(now(), expires_at) WITH &&);

-- case: exclusion constraint on a new table
-- expect: ok
CREATE TABLE bookings (room int, during tstzrange);
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);

-- case: drop a constraint
-- expect: ok
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_total_positive;

-- case: rename a constraint
-- expect: ok
ALTER TABLE orders RENAME CONSTRAINT orders_total_positive TO orders_total_non_negative;

-- case: make a constraint deferrable
-- expect: ok
ALTER TABLE users ALTER CONSTRAINT users_tenant_id_fkey DEFERRABLE INITIALLY DEFERRED;

-- case: multi-command alter with foreign key and check
-- expect: add-check-constraint, add-foreign-key
ALTER TABLE orders
    ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    ADD CONSTRAINT orders_note_check CHECK (note <> '');

-- case: multi-command alter mixing safe and unsafe
-- expect: add-unique-constraint
ALTER TABLE users
    ADD COLUMN locale text,
    ADD CONSTRAINT users_locale_check CHECK (locale <> '') NOT VALID,
    ADD UNIQUE (email, tenant_id);

-- case: alter domain add constraint
-- expect: alter-domain-add-constraint
ALTER DOMAIN email_address ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');

-- case: alter domain add constraint NOT VALID
-- expect: ok
ALTER DOMAIN email_address ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%') NOT VALID;

-- case: alter domain set not null
-- expect: alter-domain-add-constraint
ALTER DOMAIN email_address SET NOT NULL;

-- case: domain created in same migration
-- expect: ok
CREATE DOMAIN positive_int AS int;
ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0);

-- case: validate domain constraint
-- expect: ok
ALTER DOMAIN email_address VALIDATE CONSTRAINT email_has_at;
