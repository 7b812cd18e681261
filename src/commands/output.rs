//! The last steps every report command shares: apply suppressions, age
//! findings with the state file, render, write (atomically to a file, or to
//! stdout), and turn the report into the exit code.

use super::{Fatal, Outcome, now};
use crate::cli::{FailOn, ReportArgs};
use crate::render::{self, Format};
use crate::report::Report;
use crate::snapshot::Snapshot;
use crate::state::State;
use crate::suppressions::{self, TagIndex};
use std::io::IsTerminal;

pub fn emit(mut report: Report, snap: Snapshot, args: &ReportArgs, quiet: bool) -> Result<Outcome, Fatal> {
    let now = now()?;
    if let Some(path) = &args.suppressions {
        let name = path.display().to_string();
        let text = crate::fsutil::read_capped(path, crate::fsutil::SMALL_INPUT_MAX, "suppressions")?;
        let rules = suppressions::parse(&text, &name)?;
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let applied = suppressions::apply(
            std::mem::take(&mut report.findings).unboxed(),
            &rules,
            &TagIndex::new(&snap),
            today,
            &name,
        );
        report.findings = applied.kept.into();
        report.findings.extend(applied.expired);
        report.suppressed = applied.suppressed;
        report.notes.extend(applied.unused);
        report.summarize();
    }
    if let Some(path) = &args.state_file {
        let (mut state, warning) = State::load(path)?;
        // One line, once, plain: no log record beside it.
        if let Some(w) = warning
            && !quiet
        {
            crate::warn_line!("azaudit: warning: {w}");
        }
        let complete = report.complete;
        let findings = report.findings.iter_mut().chain(report.suppressed.iter_mut().map(|s| &mut s.finding));
        state.observe(findings, now, complete);
        state.save(path)?;
    }
    let to_terminal = args.output_file.is_none() && std::io::stdout().is_terminal();
    let format = args.output.unwrap_or(if to_terminal { Format::Table } else { Format::Json });
    let stdout = std::path::PathBuf::from("-");
    let path = args.output_file.as_ref().unwrap_or(&stdout);
    crate::fsutil::write_with(path, crate::fsutil::Access::Shared, |w| render::render(&report, format, w))?;
    // The table says what is missing itself; other outputs get it on stderr.
    let table_on_stdout = format == Format::Table && args.output_file.is_none();
    if !(quiet || table_on_stdout) {
        for m in &report.incomplete {
            crate::warn_line!("incomplete: {m}");
        }
        for w in &report.withheld {
            let kinds: Vec<&str> = w.kinds.iter().map(|k| k.as_str()).collect();
            crate::warn_line!("withheld: {}: {}", kinds.join(", "), w.reason);
        }
    }
    let outcome = outcome(&report, args.fail_on);
    crate::memory::discard((report, snap));
    Ok(outcome)
}

/// 3 when anything was incomplete or withheld, else 1 with findings at or
/// above `--fail-on`, else 0. Suppressed findings never count.
pub fn outcome(report: &Report, fail_on: FailOn) -> Outcome {
    if !report.complete {
        Outcome::Incomplete
    } else if fail_on.threshold().is_some_and(|t| report.count_at_least(t) > 0) {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}
