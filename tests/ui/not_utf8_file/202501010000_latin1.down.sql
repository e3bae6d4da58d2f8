DELETE FROM tenants WHERE slug = 'cafe';
