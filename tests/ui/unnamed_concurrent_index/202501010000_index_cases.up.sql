CREATE INDEX CONCURRENTLY ON cases (tenant_id, created_at);
