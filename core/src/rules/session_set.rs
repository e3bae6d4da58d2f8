//! `session-set`: a plain `SET` or `RESET` changes the connection's session, so its effect
//! outlives the migration. `SET LOCAL`, `SET TRANSACTION` and `SET CONSTRAINTS` end with the
//! migration's transaction and are fine.

use crate::pg::NodeEnum;
use crate::pg::protobuf::VariableSetKind;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "session-set",
    category: Category::Safety,
    summary: "a session `SET` or `RESET` outlives the migration",
    why: "a session setting stays on the connection after the migration commits: the later migrations of the \
          same run, and then the application using the connection, run with it",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::VariableSetStmt(set) = &ctx.statement.node else {
        return Vec::new();
    };
    if set.is_local {
        return Vec::new();
    }
    let name = set.name.as_str();
    let lasting =
        format!("`ALTER ROLE ... SET {name} = ...` or `ALTER DATABASE ... SET {name} = ...`");
    let (what, help) = match VariableSetKind::try_from(set.kind) {
        // `SET TRANSACTION ...` and `SET TRANSACTION SNAPSHOT ...`: this transaction only.
        Ok(VariableSetKind::VarSetMulti) if name.starts_with("TRANSACTION") => return Vec::new(),
        Ok(VariableSetKind::VarSetMulti) => (
            format!("SET {name}"),
            "write `SET TRANSACTION ...`, which applies to the migration's transaction only, or \
             `ALTER ROLE ... SET default_transaction_isolation = ...` (and the like) for a lasting setting"
                .to_string(),
        ),
        Ok(VariableSetKind::VarReset) => (
            format!("RESET {name}"),
            format!(
                "remove it, and write the `SET` it undoes as `SET LOCAL {name} = ...`, which ends with the \
                 migration's transaction by itself"
            ),
        ),
        Ok(VariableSetKind::VarResetAll) => (
            "RESET ALL".to_string(),
            "remove it, and write the `SET`s it undoes as `SET LOCAL`, which end with the migration's \
             transaction by themselves"
                .to_string(),
        ),
        _ => (
            format!("SET {name}"),
            format!(
                "write `SET LOCAL {name} = ...`, which ends with the migration's transaction; for a lasting \
                 setting use {lasting}; if the connection must keep the setting, allow it with \
                 `-- pgshift:allow session-set -- <reason>` directly above the statement"
            ),
        ),
    };
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!("`{what}` applies to the rest of the session, not just this migration"),
        help,
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::check;
    use super::*;

    fn messages(sql: &str) -> Vec<String> {
        check(&RULE, sql)
            .into_iter()
            .map(|(_, f)| f.message)
            .collect()
    }

    #[test]
    fn session_set_and_reset_are_reported() {
        let sql = "SET search_path TO app, public;\n\
                   SET SESSION statement_timeout = '1h';\n\
                   SET TIME ZONE 'UTC';\n\
                   SET ROLE app_owner;\n\
                   RESET search_path;\n\
                   RESET ALL;\n\
                   SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE;";
        assert_eq!(
            messages(sql),
            [
                "`SET search_path` applies to the rest of the session, not just this migration",
                "`SET statement_timeout` applies to the rest of the session, not just this migration",
                "`SET timezone` applies to the rest of the session, not just this migration",
                "`SET role` applies to the rest of the session, not just this migration",
                "`RESET search_path` applies to the rest of the session, not just this migration",
                "`RESET ALL` applies to the rest of the session, not just this migration",
                "`SET SESSION CHARACTERISTICS` applies to the rest of the session, not just this migration",
            ]
        );
    }

    #[test]
    fn points_at_the_statement_and_suggests_set_local() {
        let found = check(&RULE, "SELECT 1;\nSET search_path = app;");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "SET search_path = app");
        assert!(
            found[0]
                .1
                .help
                .starts_with("write `SET LOCAL search_path = ...`")
        );
    }

    #[test]
    fn transaction_scoped_settings_are_fine() {
        let sql = "SET LOCAL search_path TO app;\n\
                   SET LOCAL statement_timeout = 0;\n\
                   SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\n\
                   SET TRANSACTION SNAPSHOT '00000003-0000001B-1';\n\
                   SET CONSTRAINTS ALL DEFERRED;\n\
                   SELECT set_config('app.x', '1', true);\n\
                   ALTER ROLE app SET search_path = app;\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = app AS 'SELECT 1';";
        assert!(messages(sql).is_empty(), "{:?}", messages(sql));
    }
}
