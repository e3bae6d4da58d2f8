DROP INDEX CONCURRENTLY IF EXISTS cases_active_by_tenant_idx;
