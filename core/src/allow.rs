//! `-- pgshift:allow <rule-id>[, <rule-id>] -- <reason>` comments directly above a statement.

use crate::pg::Token;

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
    /// For each of [`Allowed::rules`], the byte offset and length of the comment naming it.
    pub comments: Vec<(usize, usize)>,
}

impl Allowed {
    /// Whether `rule` is allowed.
    pub fn allows(&self, rule: &str) -> bool {
        self.rules.iter().any(|r| r == rule)
    }

    /// An error for each named rule that is not in `used` (the rules that found something in
    /// the statement): a silencer that silences nothing hides the next real finding.
    pub fn check_unused(
        &self,
        used: &[&str],
        why_unused: &dyn Fn(&str) -> String,
        text: &str,
        display: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        for (rule, &(offset, len)) in self.rules.iter().zip(&self.comments) {
            if used.contains(&rule.as_str()) {
                continue;
            }
            diagnostics.push(
                Diagnostic::new(
                    "unused-allow",
                    display,
                    format!("`pgshift:allow {rule}` allows nothing: {}", why_unused(rule)),
                )
                .at(text, offset, len)
                .why("an allow comment that silences nothing would silence the next real finding on this statement without anyone reviewing it")
                .help(format!("remove `{rule}` from the comment (or the whole comment)")),
            );
        }
    }
}

/// Indices (in the file's tokens) of the `--` comments directly above `stmt`: each on its own
/// line, on consecutive lines ending right above the statement.
fn attached_comments(
    text: &str,
    lines: &LineIndex,
    file: &ParsedFile,
    stmt: &ParsedStatement,
) -> Vec<usize> {
    let line_of = |i: usize| lines.position(text, file.tokens[i].start as usize).line;
    let end_line_of = |i: usize| lines.position(text, file.tokens[i].end as usize).line;
    let mut attached = Vec::new();
    let mut expected = line_of(stmt.first_token);
    for i in (0..stmt.first_token).rev() {
        let token = &file.tokens[i];
        let own_line = i == 0 || end_line_of(i - 1) < line_of(i);
        if token.token != Token::SqlComment as i32 || line_of(i) + 1 != expected || !own_line {
            break;
        }
        expected = line_of(i);
        attached.push(i);
    }
    attached
}

/// The part after `pgshift:` of a comment that is a directive (any case, spaces allowed).
fn directive(comment: &str) -> Option<&str> {
    let body = comment.trim_start_matches(['-', '/', '*']).trim_start();
    let head = body.get(..PREFIX.len())?;
    head.eq_ignore_ascii_case(PREFIX)
        .then(|| body[PREFIX.len()..].trim())
}

/// Reads the allow comments in the block of `--` comments directly above `stmt` (each on its
/// own line, no blank line between them and the statement). Malformed directives become
/// diagnostics.
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
    for i in attached_comments(text, lines, file, stmt).into_iter().rev() {
        let token = &file.tokens[i];
        let start = token.start as usize;
        let comment = &text[start..token.end as usize];
        if let Some(body) = directive(comment) {
            let at = |d: Diagnostic| d.at(text, start, comment.len());
            let before = allowed.rules.len();
            parse_directive(body, &at, display, known_rule, &mut allowed, diagnostics);
            let named = allowed.rules.len() - before;
            allowed
                .comments
                .extend(std::iter::repeat_n((start, comment.len()), named));
        }
    }
    allowed
}

/// Levenshtein distance between `a` and `b`, in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// The registered rule id nearest to `id` (at most a third of its letters edited), if any.
pub(crate) fn closest_rule(id: &str) -> Option<&'static str> {
    crate::rules::ids()
        .into_iter()
        .map(|r| (edit_distance(id, r), r))
        .filter(|(d, _)| *d <= id.len().max(3) / 3)
        .min()
        .map(|(_, r)| r)
}

/// Checks every `pgshift:` directive of a file that is not directly above a statement, or is
/// in a block comment, so that a misplaced one never silently does nothing.
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
        .flat_map(|s| attached_comments(text, lines, file, s))
        .collect();
    for (i, token) in file
        .tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| is_comment(t))
    {
        let start = token.start as usize;
        let comment = &text[start..token.end as usize];
        if directive(comment).is_none() || attached.contains(&i) {
            continue;
        }
        let d = if token.token == Token::CComment as i32 {
            Diagnostic::new(
                "misplaced-allow",
                display,
                "`pgshift:` directives must be `--` line comments; this block comment is ignored",
            )
            .help("write it as a line comment directly above the statement: `-- pgshift:allow <rule-id> -- <reason>`")
        } else {
            Diagnostic::new(
                "misplaced-allow",
                display,
                "this `pgshift:` comment is not directly above a statement, so it applies to nothing",
            )
            .help("put it on its own line directly above the statement it allows, with no blank line between")
        };
        diagnostics.push(d.at(text, start, comment.len()));
    }
}

fn parse_directive(
    body: &str,
    at: &dyn Fn(Diagnostic) -> Diagnostic,
    display: &str,
    known_rule: &dyn Fn(&str) -> bool,
    allowed: &mut Allowed,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let word = body.split(|c: char| c.is_whitespace()).next().unwrap_or("");
    if word != "allow" {
        diagnostics.push(at(Diagnostic::new(
            "unknown-directive",
            display,
            format!("unknown directive `pgshift:{word}`"),
        )
        .help(
            "the only directive is `-- pgshift:allow <rule-id>[, <rule-id>] -- <reason>`",
        )));
        return;
    }
    let rest = &body[word.len()..];
    let (ids, reason) = match rest.split_once("--") {
        Some((ids, reason)) => (ids, reason.trim()),
        None => (rest, ""),
    };
    let ids: Vec<&str> = ids
        .split([',', ' ', '\t'])
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        diagnostics.push(at(Diagnostic::new("invalid-allow", display, "`pgshift:allow` names no rule").help(
            "write `-- pgshift:allow <rule-id>[, <rule-id>] -- <reason>`, e.g. `-- pgshift:allow drop-column -- unused since v42`",
        )));
        return;
    }
    if reason.is_empty() {
        diagnostics.push(at(Diagnostic::new(
            "invalid-allow",
            display,
            format!("`pgshift:allow {}` gives no reason", ids.join(", ")),
        )
        .why("the reason is what a reviewer reads to know why the statement is safe")
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
            .help(match closest_rule(id) {
                Some(near) => {
                    format!("did you mean `{near}`? every rule id is listed in docs/rules.md")
                }
                None => "use a rule id; every rule id is listed in docs/rules.md".to_string(),
            })));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_id_suggests_the_nearest_rule() {
        assert_eq!(closest_rule("drop-columns"), Some("drop-column"));
        assert_eq!(
            closest_rule("create-index-concurrently"),
            Some("create-index-non-concurrently")
        );
        assert_eq!(closest_rule("vacum-full"), Some("vacuum-full"));
        assert_eq!(closest_rule("frobnicate"), None);
    }
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
    fn spelling_variants_are_caught_not_ignored() {
        let text = "-- PGSHIFT: allow drop-column -- ok\nSELECT 1;\n-- pgshift:allowed drop-column -- x\nSELECT 2;\n/* pgshift:allow drop-column -- x */\nSELECT 3;\n";
        let (allowed, diags) = run(text);
        assert!(
            allowed[0].allows("drop-column"),
            "case and a space after the colon are accepted"
        );
        let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["unknown-directive", "misplaced-allow"]);
    }

    #[test]
    fn a_comment_after_the_previous_statement_does_not_attach() {
        let text = "SELECT 1; -- pgshift:allow drop-column -- x\nALTER TABLE a DROP COLUMN b;\n";
        let (allowed, diags) = run(text);
        assert!(!allowed[1].allows("drop-column"));
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
