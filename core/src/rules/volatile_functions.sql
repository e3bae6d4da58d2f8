-- Generates core/src/rules/volatile_functions.rs: every built-in function name (schema
-- pg_catalog) with its volatility; a name is 'v' when at least one overload is VOLATILE
-- (only ts_rewrite mixes volatilities in PostgreSQL 15), else 's' when one is STABLE, else 'i'.
--
-- Run against a fresh cluster of the PostgreSQL version to record (as root, PostgreSQL runs as
-- `postgres`):
--   runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D /tmp/pgvol/data -A trust
--   runuser -u postgres -- /usr/lib/postgresql/15/bin/postgres -D /tmp/pgvol/data -p 54399 -k /tmp/pgvol &
--   psql -h /tmp/pgvol -p 54399 -U postgres -X -At -f core/src/rules/volatile_functions.sql \
--     > core/src/rules/volatile_functions.rs
\pset footer off
SELECT '//! Every built-in function name with its volatility, generated from `pg_proc.provolatile`'
UNION ALL SELECT '//! of PostgreSQL ' || current_setting('server_version_num')::int / 10000 || ' ('
    || current_setting('server_version') || ') by `volatile_functions.sql` next to this file:'
UNION ALL SELECT '//! `SELECT proname, max(provolatile) FROM pg_proc WHERE pronamespace = ''pg_catalog''::regnamespace'
UNION ALL SELECT '//! GROUP BY proname` (`i` < `s` < `v`, so a name with one volatile overload is volatile).'
UNION ALL SELECT '//! Do not edit by hand; run the script as its header says.'
UNION ALL SELECT ''
UNION ALL SELECT '/// The PostgreSQL version the table was generated from.'
UNION ALL SELECT 'pub const GENERATED_FROM: &str = "' || current_setting('server_version') || '";'
UNION ALL SELECT ''
UNION ALL SELECT '/// `(name, volatility)` sorted by name (bytewise), for binary search: `b''i''` immutable,'
UNION ALL SELECT '/// `b''s''` stable, `b''v''` volatile.'
UNION ALL SELECT 'pub const BUILTIN: &[(&str, u8)] = &[';
SELECT '    ("' || proname || '", b''' || max(provolatile::text) || '''),'
FROM pg_proc
WHERE pronamespace = 'pg_catalog'::regnamespace
GROUP BY proname
ORDER BY proname COLLATE "C";
SELECT '];';
