//! `status --format json`, written by hand (the runtime carries no serializer). The shape is a
//! contract documented in docs/cli.md: fields are only ever added.

use crate::report::{MigrationState, Status};

/// A JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn opt_string(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_string(), string)
}

/// `{"history_table_exists": .., "summary": {..}, "migrations": [..], "index_builds": [..]}`.
pub fn status(status: &Status) -> String {
    let migrations: Vec<String> = status
        .entries
        .iter()
        .map(|e| {
            let (applied_at, execution_ms, steps) = match &e.state {
                MigrationState::Applied { at, execution_ms } => {
                    (Some(at.as_str()), Some(*execution_ms), None)
                }
                MigrationState::Unknown { at } => (Some(at.as_str()), None, None),
                MigrationState::Partial { steps_done, steps } => {
                    (None, None, Some((*steps_done, *steps)))
                }
                _ => (None, None, None),
            };
            let mut fields = vec![
                format!("\"id\":{}", string(&e.id)),
                format!("\"version\":{}", string(&e.version.to_string())),
                format!("\"state\":{}", string(e.state.label())),
                format!("\"applied_at\":{}", opt_string(applied_at)),
                format!(
                    "\"execution_ms\":{}",
                    execution_ms.map_or("null".into(), |n| n.to_string())
                ),
                format!("\"irreversible\":{}", e.irreversible),
            ];
            if let Some((done, all)) = steps {
                fields.push(format!("\"steps_done\":{done},\"steps\":{all}"));
            }
            format!("{{{}}}", fields.join(","))
        })
        .collect();
    let builds: Vec<String> = status
        .index_builds
        .iter()
        .map(|b| {
            format!(
                "{{\"migration\":{},\"index\":{},\"attempt\":{},\"status\":{},\"error\":{},\"invalid_index_dropped\":{},\"started_at\":{}}}",
                string(&b.migration),
                opt_string(b.index.as_deref()),
                b.attempt,
                string(&b.status),
                opt_string(b.error.as_deref()),
                b.invalid_index_dropped,
                string(&b.started_at)
            )
        })
        .collect();
    let summary = format!(
        "{{\"applied\":{},\"pending\":{},\"partial\":{},\"reverting\":{},\"drift\":{},\"unknown\":{}}}",
        status.count("applied"),
        status.count("pending"),
        status.count("partial"),
        status.count("reverting"),
        status.count("drift"),
        status.count("unknown"),
    );
    format!(
        "{{\"history_table_exists\":{},\"summary\":{summary},\"migrations\":[{}],\"index_builds\":[{}]}}",
        status.history_exists,
        migrations.join(","),
        builds.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }

    #[test]
    fn an_empty_status_is_valid_json_with_every_field() {
        assert_eq!(
            status(&Status::default()),
            "{\"history_table_exists\":false,\"summary\":{\"applied\":0,\"pending\":0,\"partial\":0,\"reverting\":0,\"drift\":0,\"unknown\":0},\"migrations\":[],\"index_builds\":[]}"
        );
    }
}
