//! `azaudit orphans`: read (or load) a snapshot, run the orphan checks,
//! render the report, and turn it into an exit code.

use super::{Fatal, Outcome, snapshot};
use crate::auth;
use crate::checks;
use crate::cli::{FailOn, GlobalArgs, ReportArgs};
use crate::render::{self, Format};
use crate::report::Report;
use crate::snapshot::Snapshot;
use std::io::IsTerminal;

pub async fn run(g: &GlobalArgs, args: &ReportArgs) -> Result<Outcome, Fatal> {
    let snap = match &args.from {
        Some(path) => Snapshot::load(path)?,
        None => snapshot::collect(g, auth::env_snapshot(), Default::default()).await?,
    };
    let report = Report::new("orphans", &snap, checks::orphans(&snap), true);
    emit(&report, args, g.quiet)
}

/// Render and write the report, and decide the exit code: 3 when anything
/// was incomplete or withheld, else 1 with findings at or above
/// `--fail-on`, else 0.
pub fn emit(report: &Report, args: &ReportArgs, quiet: bool) -> Result<Outcome, Fatal> {
    let to_terminal = args.output_file.is_none() && std::io::stdout().is_terminal();
    let format = args.output.unwrap_or(if to_terminal { Format::Table } else { Format::Json });
    let text = render::render(report, format)?;
    match &args.output_file {
        Some(path) => crate::fsutil::write_output(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    // The table says what is missing itself; other outputs get it on stderr.
    if !quiet && !(format == Format::Table && args.output_file.is_none()) {
        for m in &report.incomplete {
            eprintln!("incomplete: {m}");
        }
        for w in &report.withheld {
            let kinds: Vec<&str> = w.kinds.iter().map(|k| k.as_str()).collect();
            eprintln!("withheld: {}: {}", kinds.join(", "), w.reason);
        }
    }
    Ok(outcome(report, args.fail_on))
}

pub fn outcome(report: &Report, fail_on: FailOn) -> Outcome {
    if !report.complete {
        Outcome::Incomplete
    } else if fail_on.threshold().is_some_and(|t| report.count_at_least(t) > 0) {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}
