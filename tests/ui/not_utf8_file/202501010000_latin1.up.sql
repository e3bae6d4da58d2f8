INSERT INTO tenants (slug, name) VALUES ('cafe', 'Café');
