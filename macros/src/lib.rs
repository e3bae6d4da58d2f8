//! Proc macros of [pgshift](https://docs.rs/pgshift). Use them through the `pgshift` crate,
//! which re-exports them and owns the types they expand to.
//!
//! The macros are thin: they resolve the folder, call `pgshift_core::analyze_dir`, turn every
//! problem into a compile error, and emit a static table of data (never code that runs at
//! start-up).

use std::path::PathBuf;

use pgshift_core::{
    Analysis, AnalyzedFile, AnalyzedStatement, Options, TransactionMode, analyze_dir,
};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;

mod encode;

/// The folder `embed_migrations!()` reads when given no path.
const DEFAULT_MIGRATIONS_DIR: &str = "db/managed-migrations";

/// Overrides `CARGO_MANIFEST_DIR` as the base of relative migration folders (for test
/// harnesses such as trybuild, which build in a generated crate elsewhere).
const MANIFEST_DIR_OVERRIDE: &str = "PGSHIFT_MANIFEST_DIR";

/// The folder `embed_seeds!()` reads when given no path.
const DEFAULT_SEEDS_DIR: &str = "db/managed-seeds";

/// Embeds a migration folder, checked at compile time. See `pgshift::embed_migrations!`.
#[proc_macro]
pub fn embed_migrations(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    match folder_argument(
        input.into(),
        DEFAULT_MIGRATIONS_DIR,
        "embed_migrations",
        "migrations",
    ) {
        Ok((dir, span)) => expand(&dir, span).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Embeds a seed folder, checked at compile time. See `pgshift::embed_seeds!`.
#[proc_macro]
pub fn embed_seeds(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    match folder_argument(input.into(), DEFAULT_SEEDS_DIR, "embed_seeds", "seeds") {
        Ok((dir, span)) => expand_seeds(&dir, span).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// The folder a macro was given, or its default.
fn folder_argument(
    input: TokenStream,
    default: &str,
    macro_name: &str,
    what: &str,
) -> Result<(String, Span), syn::Error> {
    if input.is_empty() {
        return Ok((default.to_string(), Span::call_site()));
    }
    syn::parse2::<LitStr>(input)
        .map(|lit| (lit.value(), lit.span()))
        .map_err(|_| {
            syn::Error::new(
                Span::call_site(),
                format!(
                    "expected nothing or a string literal: `{macro_name}!()` or `{macro_name}!(\"path/to/{what}\")`"
                ),
            )
        })
}

/// Tokens that make rustc record the variables the macros read, so cargo rebuilds when they
/// change.
fn tracked() -> TokenStream {
    quote! {
        const _: ::core::option::Option<&str> = ::core::option_env!("ALLOW_BREAKING_MIGRATIONS");
        const _: ::core::option::Option<&str> = ::core::option_env!("PGSHIFT_MANIFEST_DIR");
    }
}

/// The folder the relative paths of the macros start from.
fn root(span: Span) -> Result<PathBuf, syn::Error> {
    std::env::var_os(MANIFEST_DIR_OVERRIDE)
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
        .map(PathBuf::from)
        .ok_or_else(|| syn::Error::new(span, "CARGO_MANIFEST_DIR is not set: build with cargo"))
}

fn expand_seeds(dir: &str, span: Span) -> TokenStream {
    let tracked = tracked();
    let empty = quote!(::pgshift::__private::Seeds::__new(&[]));
    let root = match root(span) {
        Ok(root) => root,
        Err(e) => return error_value_of(&tracked, e, &empty),
    };
    let analysis =
        pgshift_core::seeds::analyze_seeds_dir(&root.join(dir), dir, &Options::from_env());
    if analysis.has_errors() {
        return error_value_of(&tracked, combined(&analysis.diagnostics, span), &empty);
    }
    let mut seeds = Vec::with_capacity(analysis.seeds.len());
    for seed in &analysis.seeds {
        let name = &seed.name;
        match script(&seed.file, span) {
            Ok(script) => seeds.push(quote!(::pgshift::__private::Seed::__new(#name, #script))),
            Err(e) => return error_value_of(&tracked, e, &empty),
        }
    }
    quote! {{
        #tracked
        const SEEDS: &[::pgshift::__private::Seed] = &[#(#seeds),*];
        ::pgshift::__private::Seeds::__new(SEEDS)
    }}
}

fn expand(dir: &str, span: Span) -> TokenStream {
    let tracked = tracked();
    let root = match root(span) {
        Ok(root) => root,
        Err(e) => return error_value(&tracked, e),
    };
    let analysis = analyze_dir(&root.join(dir), dir, &Options::from_env());
    // `pgshift.toml` and the schema baseline change verdicts: include them so cargo rebuilds
    // when they change (unused constants: nothing reaches the binary).
    let inputs = analysis
        .inputs
        .iter()
        .filter_map(|p| p.to_str())
        .map(|path| {
            quote!(
                const _: &[u8] = ::core::include_bytes!(#path);
            )
        });
    let tracked = quote! { #tracked #(#inputs)* };
    if analysis.has_errors() {
        return error_value(&tracked, combined_errors(&analysis, span));
    }
    // Cargo rebuilds when a file the build read changes: `include_str!` of every file, in a
    // constant nothing uses, so rustc records the dependency without emitting the string
    // again (the text is in the table below already).
    let mut files = Vec::with_capacity(analysis.migrations.len() * 2);
    for m in &analysis.migrations {
        for file in [&m.up, &m.down] {
            match file_text(file, span) {
                Ok(text) => files.push(text),
                Err(e) => return error_value(&tracked, e),
            }
        }
    }
    let embedded = match encode::embed(&analysis.migrations) {
        Ok(embedded) => embedded,
        Err(e) => {
            let message = format!(
                "pgshift could not encode the migration set ({e}); this is a bug of pgshift, please report it"
            );
            return error_value(&tracked, syn::Error::new(span, message));
        }
    };
    let table = proc_macro2::Literal::byte_string(&embedded.table);
    let texts = raw_string(&embedded.texts);
    quote! {{
        #tracked
        const _: &[&str] = &[#(#files),*];
        ::pgshift::__private::Migrations::__embedded(#table, #texts)
    }}
}

/// `text` as a raw string literal (`r#"..."#`): the SQL goes to rustc as written, without
/// escaping every character on the way out and unescaping it on the way in (a plain string
/// literal of 1000 migrations' SQL cost a measurable part of the build).
fn raw_string(text: &str) -> proc_macro2::Literal {
    // A raw string cannot hold a carriage return (files with `\r\n` line ends).
    if text.contains('\r') {
        return proc_macro2::Literal::string(text);
    }
    // As many `#` as no `"#...#` in the text closes the literal early.
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let fence = "#".repeat(hashes);
    format!("r{fence}\"{text}\"{fence}")
        .parse()
        .unwrap_or_else(|_| proc_macro2::Literal::string(text))
}

/// `include_str!` of a file: what makes cargo rebuild when it changes.
fn file_text(file: &AnalyzedFile, span: Span) -> Result<TokenStream, syn::Error> {
    let path = file.source.path.to_str().ok_or_else(|| {
        syn::Error::new(
            span,
            format!(
                "the path of `{}` is not valid UTF-8, so it cannot be embedded",
                file.source.display
            ),
        )
    })?;
    Ok(quote!(::core::include_str!(#path)))
}

fn error_value(tracked: &TokenStream, error: syn::Error) -> TokenStream {
    error_value_of(
        tracked,
        error,
        &quote!(::pgshift::__private::Migrations::__new(&[])),
    )
}

/// The compile errors, then a well-typed empty value so no second wave of errors follows.
fn error_value_of(tracked: &TokenStream, error: syn::Error, empty: &TokenStream) -> TokenStream {
    let error = error.to_compile_error();
    quote! {{
        #tracked
        #error
        #empty
    }}
}

fn combined_errors(analysis: &Analysis, span: Span) -> syn::Error {
    combined(&analysis.diagnostics, span)
}

fn combined(diagnostics: &[pgshift_core::Diagnostic], span: Span) -> syn::Error {
    let mut errors = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| syn::Error::new(span, d.to_string()));
    let mut first = errors.next().expect("has_errors() promised an error");
    for e in errors {
        first.combine(e);
    }
    first
}

fn script(file: &AnalyzedFile, span: Span) -> Result<TokenStream, syn::Error> {
    let path = file.source.path.to_str().ok_or_else(|| {
        syn::Error::new(
            span,
            format!(
                "the path of `{}` is not valid UTF-8, so it cannot be embedded",
                file.source.display
            ),
        )
    })?;
    let display = &file.source.display;
    let checksum = &file.source.checksum;
    let tokens_checksum = &file.tokens_checksum;
    let statements = file.statements.iter().map(statement);
    Ok(quote! {
        ::pgshift::__private::Script::__new(
            #display,
            ::core::include_str!(#path),
            #checksum,
            #tokens_checksum,
            {
                const STATEMENTS: &[::pgshift::__private::Statement] = &[#(#statements),*];
                STATEMENTS
            },
        )
    })
}

fn statement(s: &AnalyzedStatement) -> TokenStream {
    let start = s.start as u32;
    let end = s.end as u32;
    let line = s.position.line;
    let column = s.position.column;
    let kind = syn::Ident::new(s.class.kind.name(), Span::call_site());
    let transaction = match &s.class.transaction {
        TransactionMode::Concurrently { transactional_sql } => quote!(
            ::pgshift::__private::TransactionMode::Concurrently {
                transactional_sql: ::std::borrow::Cow::Borrowed(#transactional_sql),
            }
        ),
        TransactionMode::Autocommit => quote!(::pgshift::__private::TransactionMode::Autocommit),
        _ => quote!(::pgshift::__private::TransactionMode::Transactional),
    };
    let option = |v: Option<String>| match v {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    };
    let table = option(s.class.table.as_ref().map(ToString::to_string));
    let object = option(s.class.object.clone());
    let concurrent_sql = option(s.class.concurrent_sql.clone());
    quote! {
        ::pgshift::__private::Statement::__new(
            #start, #end, #line, #column,
            ::pgshift::__private::StatementKind::#kind,
            #transaction, #table, #object, #concurrent_sql,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::raw_string;

    #[test]
    fn raw_strings_keep_any_text() {
        for text in [
            "SELECT 1;",
            "SELECT '\"#' AS a, '\"##' AS b; -- \"###",
            "DO $$ BEGIN RAISE NOTICE 'é \\ \\n'; END $$;",
            "a\r\nb",
            "",
        ] {
            let lit: syn::LitStr = syn::parse_str(&raw_string(text).to_string()).unwrap();
            assert_eq!(lit.value(), text);
        }
    }
}
