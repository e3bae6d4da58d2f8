//! `suite-runner URL DIR`: loads the migration folder DIR and applies it to URL, printing one
//! `applied ID` line per migration it applied (or `up to date`). Exit code 1 on error.
//! Used by the tests that need real separate processes (concurrent runners, a killed runner).

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, dir] = args.as_slice() else {
        eprintln!("usage: suite-runner URL DIR");
        return ExitCode::from(2);
    };
    let migrations =
        match pgshift::load::load_dir(Path::new(dir), dir, &pgshift_core::Options::default()) {
            Ok((migrations, _)) => migrations,
            Err(diagnostics) => {
                for d in diagnostics {
                    eprintln!("{d}");
                }
                return ExitCode::from(3);
            }
        };
    let result = pgshift::connect(url)
        .and_then(|mut client| pgshift::Migrator::new(&migrations).migrate(&mut client));
    match result {
        Ok(report) if report.is_up_to_date() => {
            println!("up to date");
            ExitCode::SUCCESS
        }
        Ok(report) => {
            for a in report.applied {
                println!("applied {}", a.id);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
