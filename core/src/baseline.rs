//! The schema baseline: a `pg_dump --schema-only` file of the database the first migration runs
//! on, named by `schema-baseline` in `pgshift.toml`. Its statements seed the
//! [`Schema`](crate::schema::Schema) before the first migration, so a set that starts on an
//! existing database gets the exact verdicts (the old type of a column, a validated `CHECK`)
//! instead of the conservative ones for unknown objects.
//!
//! Objects of the baseline belong to no migration: nothing in the set created them, so no
//! statement on them is exempt as "created earlier in the same migration".

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::schema::Schema;
use crate::split::parse_sql;

/// Reads the dump at `path` (named `display` in messages) into `schema`. Problems go to
/// `diagnostics`; a baseline that cannot be read seeds nothing.
pub fn load(path: &Path, display: &str, schema: &mut Schema, diagnostics: &mut Vec<Diagnostic>) {
    let text = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            diagnostics.push(
                Diagnostic::new(
                    "invalid-schema-baseline",
                    display,
                    "the schema baseline is not UTF-8",
                )
                .help("dump it with `pg_dump --schema-only --encoding=UTF8`"),
            );
            return;
        }
        Err(e) => {
            diagnostics.push(
                Diagnostic::new(
                    "invalid-schema-baseline",
                    display,
                    format!("the schema baseline named in pgshift.toml cannot be read: {e}"),
                )
                .help("write it with `pg_dump --schema-only --no-owner \"$DATABASE_URL\" > FILE`, or fix `schema-baseline` (relative to the migration folder)"),
            );
            return;
        }
    };
    seed(&text, display, schema, diagnostics);
}

/// Applies the statements of a dump's `text` to `schema`.
pub fn seed(text: &str, display: &str, schema: &mut Schema, diagnostics: &mut Vec<Diagnostic>) {
    let sql = without_psql_commands(text);
    match parse_sql(&sql) {
        Ok(file) => {
            for statement in &file.statements {
                schema.apply(&statement.node);
            }
        }
        Err(err) => diagnostics.push(
            Diagnostic::new(
                "invalid-schema-baseline",
                display,
                format!("the schema baseline does not parse: {}", err.message),
            )
            .at(text, err.offset, err.len)
            .why("a baseline that cannot be read would leave every table unknown, and every verdict conservative")
            .help("use the plain-format output of `pg_dump --schema-only` (not `-Fc`)"),
        ),
    }
}

/// `text` with psql's backslash commands (`\restrict`, `\connect`, ...) blanked out, lengths
/// and line breaks kept so positions stay right.
fn without_psql_commands(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('\\') {
            let body = line.trim_end_matches(['\n', '\r']);
            out.extend(std::iter::repeat_n(' ', body.len()));
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::TableName;

    /// The shape of a `pg_dump --schema-only` file of PostgreSQL 15.14+.
    const DUMP: &str = "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc123\n\n\
SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\
CREATE TABLE public.cases (\n    id bigint NOT NULL,\n    title character varying(20),\n    opened_at timestamp without time zone\n);\n\
ALTER TABLE public.cases OWNER TO app;\n\
ALTER TABLE public.cases ADD CONSTRAINT cases_title_not_null CHECK ((title IS NOT NULL));\n\
ALTER TABLE ONLY public.cases\n    ADD CONSTRAINT cases_pkey PRIMARY KEY (id);\n\
CREATE INDEX cases_opened_at_idx ON public.cases USING btree (opened_at);\n\n\\unrestrict abc123\n";

    #[test]
    fn a_dump_seeds_tables_columns_and_constraints() {
        let mut schema = Schema::new();
        let mut diags = Vec::new();
        seed(DUMP, "schema.sql", &mut schema, &mut diags);
        assert!(diags.is_empty(), "{diags:#?}");
        let cases = schema
            .table(&TableName {
                schema: None,
                name: "cases".into(),
            })
            .expect("the dump's table is known by its unqualified name");
        let title = cases.column("title").unwrap();
        assert_eq!(
            (title.ty.name.as_str(), title.ty.typmods.as_slice()),
            ("varchar", &[20][..])
        );
        assert!(
            cases
                .constraints
                .iter()
                .any(|c| c.not_null_check_of.as_deref() == Some("title") && c.validated)
        );
        assert!(schema.index("cases_opened_at_idx").is_some());
        assert_eq!(cases.created_in, 0, "no migration created it");
    }

    #[test]
    fn a_broken_dump_is_an_error_at_its_line() {
        let mut diags = Vec::new();
        seed(
            "\\restrict x\nCREATE TABLE t (a int;\n",
            "schema.sql",
            &mut Schema::new(),
            &mut diags,
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "invalid-schema-baseline");
        assert!(
            diags[0].location().starts_with("schema.sql:2:"),
            "{}",
            diags[0].location()
        );
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let mut diags = Vec::new();
        load(
            Path::new("/nonexistent/schema.sql"),
            "m/../schema.sql",
            &mut Schema::new(),
            &mut diags,
        );
        assert_eq!(diags[0].code, "invalid-schema-baseline");
    }
}
