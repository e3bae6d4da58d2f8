INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme Legal'), ('globex', 'Globex Advisory')
ON CONFLICT (slug) DO NOTHING;
