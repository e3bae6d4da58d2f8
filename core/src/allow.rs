//! `-- pgshift:allow <rule-id>[, <rule-id>] -- <reason>` comments directly above a statement.

use pg_query::protobuf::Token;

use crate::diagnostic::Diagnostic;
use crate::source::LineIndex;
use crate::split::{ParsedFile, ParsedStatement, is_comment};

/// The directive prefix inside a `--` comment.
pub const PREFIX: &str = "pgshift:";

/// The rules allowed for one statement.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// Rule ids named by allow comments directly above the statement.
    pub rules: Vec<String>,
}

impl Allowed {
    /// Whether `rule` is allowed.
    pub fn allows(&self, rule: &str) -> bool {
        self.rules.iter().any(|r| r == rule)
    }
}

/// Reads the allow comments in the block of `--` comments directly above `stmt` (no blank
/// line between them and the statement). Malformed directives become diagnostics.
pub fn allowed_for(
    text: &str,
    lines: &LineIndex,
    file: &ParsedFile,
    stmt: &ParsedStatement,
    display: &str,
    known_rule: &dyn Fn(&str) -> bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Allowed {
    let mut allowed = Allowed::default();
    let mut expected_line = lines.position(text, stmt.start).line;
    for token in file.tokens[..stmt.first_token].iter().rev() {
        if !is_comment(token) || token.token != Token::SqlComment as i32 {
            break;
        }
        let line = lines.position(text, token.start as usize).line;
        if line + 1 != expected_line {
            break;
        }
        expected_line = line;
        let start = token.start as usize;
        let comment = &text[start..token.end as usize];
        parse_directive(
            text,
            start,
            comment,
            display,
            known_rule,
            &mut allowed,
            diagnostics,
        );
    }
    allowed
}

/// Checks every `pgshift:` directive of a file, including ones that sit above nothing,
/// so that a typo never silently does nothing. Returns nothing: only diagnostics.
pub fn check_stray_directives(
    text: &str,
    lines: &LineIndex,
    file: &ParsedFile,
    display: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let attached: Vec<usize> = file
        .statements
        .iter()
        .flat_map(|s| {
            let mut expected = lines.position(text, s.start).line;
            file.tokens[..s.first_token]
                .iter()
                .rev()
                .take_while(move |t| {
                    let line = lines.position(text, t.start as usize).line;
                    let ok = t.token == Token::SqlComment as i32 && line + 1 == expected;
                    expected = line;
                    ok
                })
                .map(|t| t.start as usize)
        })
        .collect();
    for token in file
        .tokens
        .iter()
        .filter(|t| t.token == Token::SqlComment as i32)
    {
        let start = token.start as usize;
        let body = text[start..token.end as usize]
            .trim_start_matches('-')
            .trim();
        if body.starts_with(PREFIX) && !attached.contains(&start) {
            diagnostics.push(
                Diagnostic::new(
                    "misplaced-allow",
                    display,
                    "this `pgshift:` comment is not directly above a statement, so it applies to nothing",
                )
                .at(text, start, token.end as usize - start)
                .help("put it on the line directly above the statement it allows, with no blank line between"),
            );
        }
    }
}

fn parse_directive(
    text: &str,
    start: usize,
    comment: &str,
    display: &str,
    known_rule: &dyn Fn(&str) -> bool,
    allowed: &mut Allowed,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let body = comment.trim_start_matches('-').trim();
    let Some(directive) = body.strip_prefix(PREFIX) else {
        return;
    };
    let at = |d: Diagnostic| d.at(text, start, comment.len());
    let Some(rest) = directive.strip_prefix("allow") else {
        let word = directive.split_whitespace().next().unwrap_or("");
        diagnostics.push(at(Diagnostic::new(
            "unknown-directive",
            display,
            format!("unknown directive `pgshift:{word}`"),
        )
        .help(
            "the only directive is `-- pgshift:allow <rule-id>[, <rule-id>] -- <reason>`",
        )));
        return;
    };
    let (ids, reason) = match rest.split_once("--") {
        Some((ids, reason)) => (ids, reason.trim()),
        None => (rest, ""),
    };
    let ids: Vec<&str> = ids
        .split([',', ' ', '\t'])
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        diagnostics.push(at(Diagnostic::new(
            "invalid-allow",
            display,
            "`pgshift:allow` names no rule",
        )
        .help("write `-- pgshift:allow <rule-id>[, <rule-id>] -- <reason>`, e.g. `-- pgshift:allow drop-column -- unused since v42`")));
        return;
    }
    if reason.is_empty() {
        diagnostics.push(at(Diagnostic::new(
            "invalid-allow",
            display,
            format!("`pgshift:allow {}` gives no reason", ids.join(", ")),
        )
        .why("the reason is what a reviewer reads to know the breaking change is safe")
        .help(format!(
            "add the reason after ` -- `: `-- pgshift:allow {} -- <why this is safe now>`",
            ids.join(", ")
        ))));
        return;
    }
    for id in ids {
        if known_rule(id) {
            allowed.rules.push(id.to_string());
        } else {
            diagnostics.push(at(Diagnostic::new(
                "invalid-allow",
                display,
                format!("`pgshift:allow` names unknown rule `{id}`"),
            )
            .help(format!(
                "use one of the rule ids: {}",
                crate::rules::ids().join(", ")
            ))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::parse_sql;

    fn run(text: &str) -> (Vec<Allowed>, Vec<Diagnostic>) {
        let file = parse_sql(text).unwrap();
        let lines = LineIndex::new(text);
        let mut diags = Vec::new();
        let known = |id: &str| crate::rules::ids().contains(&id);
        let allowed = file
            .statements
            .iter()
            .map(|s| allowed_for(text, &lines, &file, s, "f.sql", &known, &mut diags))
            .collect();
        check_stray_directives(text, &lines, &file, "f.sql", &mut diags);
        (allowed, diags)
    }

    #[test]
    fn allow_applies_to_the_statement_directly_below_only() {
        let text = "-- pgshift:allow drop-column, rename-column -- unused since v42\nALTER TABLE a DROP COLUMN b;\nALTER TABLE a DROP COLUMN c;\n";
        let (allowed, diags) = run(text);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(allowed[0].allows("drop-column") && allowed[0].allows("rename-column"));
        assert!(!allowed[1].allows("drop-column"));
    }

    #[test]
    fn a_blank_line_detaches_the_comment() {
        let text = "-- pgshift:allow drop-column -- reason\n\nALTER TABLE a DROP COLUMN b;\n";
        let (allowed, diags) = run(text);
        assert!(!allowed[0].allows("drop-column"));
        assert_eq!(
            diags.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["misplaced-allow"]
        );
    }

    #[test]
    fn malformed_directives_are_errors() {
        let text = "-- pgshift:allow drop-column\nSELECT 1;\n-- pgshift:allow drop-colum -- typo\nSELECT 2;\n-- pgshift:alow drop-column -- x\nSELECT 3;\n";
        let (_, diags) = run(text);
        let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            ["invalid-allow", "invalid-allow", "unknown-directive"]
        );
        assert_eq!(diags[1].location(), "f.sql:3:1");
    }
}
