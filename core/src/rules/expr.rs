//! Looking into expressions: which function calls a default makes, and how volatile they are.

use crate::pg::NodeEnum;
use crate::pg::protobuf::Node;
use crate::schema::Schema;

use super::volatile_functions::BUILTIN;

/// How volatile a called function is, as far as the analysis can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Volatility {
    /// A built-in or set-created function declared `IMMUTABLE` or `STABLE`.
    Fixed,
    /// Declared `VOLATILE` (built-in, or created by the set).
    Volatile,
    /// Neither built in nor created by the set (an extension's, or the database's before the
    /// migrations): PostgreSQL's default for a function is `VOLATILE`.
    Unknown,
}

/// The volatility of function `name` (unqualified, lower case unless quoted).
pub fn volatility(name: &str, schema: &Schema) -> Volatility {
    if let Some(v) = schema.function_volatility(name) {
        return if v == b'v' {
            Volatility::Volatile
        } else {
            Volatility::Fixed
        };
    }
    match BUILTIN.binary_search_by(|(n, _)| n.cmp(&name)) {
        Ok(i) if BUILTIN[i].1 == b'v' => Volatility::Volatile,
        Ok(_) => Volatility::Fixed,
        Err(_) => Volatility::Unknown,
    }
}

/// The first function call in `expr` that is volatile or of unknown volatility, with its name.
/// Calls inside nodes this walker does not know are not seen.
pub fn first_volatile_call(expr: &Node, schema: &Schema) -> Option<(String, Volatility)> {
    let mut found = None;
    walk(expr, &mut |n| {
        if found.is_some() {
            return;
        }
        if let NodeEnum::FuncCall(f) = n {
            let name = f
                .funcname
                .iter()
                .rev()
                .find_map(|p| match &p.node {
                    Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let v = volatility(&name, schema);
            if v != Volatility::Fixed {
                found = Some((name, v));
            }
        }
    });
    found
}

/// An expression written back as SQL from its tree (PostgreSQL's canonical spelling), for
/// help text that repeats it.
pub fn expr_sql(expr: &Node) -> Option<String> {
    use crate::pg::protobuf::{LimitOption, ResTarget, SelectStmt, SetOperation};
    let select = NodeEnum::SelectStmt(Box::new(SelectStmt {
        target_list: vec![Node {
            node: Some(NodeEnum::ResTarget(Box::new(ResTarget {
                val: Some(Box::new(expr.clone())),
                ..Default::default()
            }))),
        }],
        op: SetOperation::SetopNone as i32,
        limit_option: LimitOption::Default as i32,
        ..Default::default()
    }));
    crate::pg::deparse(&select)
        .ok()?
        .strip_prefix("SELECT ")
        .map(str::to_string)
}

fn walk(node: &Node, f: &mut dyn FnMut(&NodeEnum)) {
    let Some(n) = &node.node else { return };
    f(n);
    let each = |list: &[Node], f: &mut dyn FnMut(&NodeEnum)| {
        for item in list {
            walk(item, f);
        }
    };
    let one = |item: &Option<Box<Node>>, f: &mut dyn FnMut(&NodeEnum)| {
        if let Some(item) = item {
            walk(item, f);
        }
    };
    match n {
        NodeEnum::FuncCall(c) => {
            each(&c.args, f);
            one(&c.agg_filter, f);
        }
        NodeEnum::AExpr(e) => {
            one(&e.lexpr, f);
            one(&e.rexpr, f);
        }
        NodeEnum::TypeCast(c) => one(&c.arg, f),
        NodeEnum::BoolExpr(b) => each(&b.args, f),
        NodeEnum::CoalesceExpr(c) => each(&c.args, f),
        NodeEnum::MinMaxExpr(m) => each(&m.args, f),
        NodeEnum::NullTest(t) => one(&t.arg, f),
        NodeEnum::BooleanTest(t) => one(&t.arg, f),
        NodeEnum::CaseExpr(c) => {
            one(&c.arg, f);
            each(&c.args, f);
            one(&c.defresult, f);
        }
        NodeEnum::CaseWhen(w) => {
            one(&w.expr, f);
            one(&w.result, f);
        }
        NodeEnum::List(l) => each(&l.items, f),
        NodeEnum::AArrayExpr(a) => each(&a.elements, f),
        NodeEnum::RowExpr(r) => each(&r.args, f),
        NodeEnum::CollateClause(c) => one(&c.arg, f),
        NodeEnum::NamedArgExpr(a) => one(&a.arg, f),
        NodeEnum::AIndirection(i) => one(&i.arg, f),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::parse_sql;

    fn default_of(sql: &str) -> Node {
        let file = parse_sql(&format!("SELECT {sql}")).unwrap();
        let NodeEnum::SelectStmt(s) = &file.statements[0].node else {
            panic!()
        };
        let Some(NodeEnum::ResTarget(r)) = &s.target_list[0].node else {
            panic!()
        };
        r.val.as_deref().unwrap().clone()
    }

    #[test]
    fn volatility_comes_from_the_catalog() {
        let schema = Schema::new();
        for (sql, expected) in [
            ("now()", None),
            ("'x'::text || lower('A')", None),
            ("gen_random_uuid()", Some("gen_random_uuid")),
            ("coalesce(null, (random() * 10)::int)", Some("random")),
            (
                "clock_timestamp() + interval '1 day'",
                Some("clock_timestamp"),
            ),
            ("uuid_generate_v4()", Some("uuid_generate_v4")),
            ("CASE WHEN true THEN nextval('s') END", Some("nextval")),
        ] {
            let found = first_volatile_call(&default_of(sql), &schema).map(|(n, _)| n);
            assert_eq!(found.as_deref(), expected, "{sql}");
        }
        assert_eq!(volatility("uuid_generate_v4", &schema), Volatility::Unknown);
        assert_eq!(volatility("random", &schema), Volatility::Volatile);
        assert_eq!(volatility("now", &schema), Volatility::Fixed);
    }

    #[test]
    fn expressions_are_written_back_as_sql() {
        assert_eq!(
            expr_sql(&default_of("gen_random_uuid()")).as_deref(),
            Some("gen_random_uuid()")
        );
        assert_eq!(
            expr_sql(&default_of("(random() * 16)::int")).as_deref(),
            Some("(random() * 16)::int")
        );
    }

    #[test]
    fn the_table_is_sorted_for_binary_search() {
        assert!(BUILTIN.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(super::super::volatile_functions::GENERATED_FROM.starts_with("15."));
    }
}
