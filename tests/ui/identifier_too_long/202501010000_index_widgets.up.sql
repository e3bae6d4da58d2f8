CREATE INDEX CONCURRENTLY widgets_by_tenant_and_created_at_for_the_monthly_usage_report_idx
    ON widgets (tenant_id, created_at);
