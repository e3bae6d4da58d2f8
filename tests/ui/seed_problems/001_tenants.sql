INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme');
