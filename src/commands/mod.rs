//! Command runners: wire settings, collectors, checks and renderers
//! together for each subcommand, and decide the exit code.

pub mod context;
pub mod demo;
pub mod orphans;
pub mod snapshot;
pub mod whoami;

use std::process::ExitCode;

/// The outcome classes of a run, mapped to the documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Clean = 0,
    Findings = 1,
    CouldNotRun = 2,
    Incomplete = 3,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        ExitCode::from(o as u8)
    }
}

/// An error that stops a run before it could produce a report: one line on
/// stderr, exit code 2.
#[derive(Debug)]
pub struct Fatal(pub String);

impl<T: Into<String>> From<T> for Fatal {
    fn from(s: T) -> Fatal {
        Fatal(s.into())
    }
}
