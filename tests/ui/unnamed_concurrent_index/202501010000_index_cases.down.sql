DROP INDEX CONCURRENTLY IF EXISTS cases_tenant_id_created_at_idx;
