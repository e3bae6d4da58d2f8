CREATE TABLE cases (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    title text NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'closed')),
    archived_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX cases_tenant_id_idx ON cases (tenant_id);
