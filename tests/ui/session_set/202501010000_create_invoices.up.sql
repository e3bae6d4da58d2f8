SET search_path TO billing, public;
CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric NOT NULL);
