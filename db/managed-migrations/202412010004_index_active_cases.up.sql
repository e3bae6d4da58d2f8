-- Most queries list a tenant's open work: index only the rows that are not archived.
-- CONCURRENTLY keeps writes flowing while it builds; pgshift runs it outside a transaction.
CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_active_by_tenant_idx
    ON cases (tenant_id, created_at DESC)
    WHERE archived_at IS NULL;
