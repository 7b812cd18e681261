//! The azaudit binary: parse flags, set up logging, run one command, and
//! turn its outcome into an exit code. Everything else lives in the library.

use azaudit::cli::{Cli, Command};
use azaudit::commands::{self, Outcome};
use clap::Parser;
use std::process::ExitCode;

/// jemalloc, not the C library's malloc: an audit makes millions of small
/// allocations (IDs, names, evidence), and glibc's spent a sixth of a large
/// run's CPU in its free lists (musl's, in the container image, is slower
/// still).
/// BENCHMARKS.md has the measurements, and the peak it costs (about 5 MB).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    azaudit::install_crypto_provider();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { Outcome::CouldNotRun } else { Outcome::Clean };
            let _ = e.print();
            return code.into();
        }
    };
    // Generated from the clap definitions; no runtime, no logging.
    match &cli.command {
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            // Into memory first: clap_complete panics on a closed pipe.
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut cmd, "azaudit", &mut out);
            use std::io::Write;
            let _ = std::io::stdout().write_all(&out);
            return Outcome::Clean.into();
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut out) {
                azaudit::warn_line!("azaudit: cannot render the manual page: {e}");
                return Outcome::CouldNotRun.into();
            }
            use std::io::Write;
            let _ = std::io::stdout().write_all(&out);
            return Outcome::Clean.into();
        }
        _ => {}
    }
    init_logging(cli.global.verbose, cli.global.quiet);
    azaudit::memory::process_ends_after_run();
    // The --deadline counts from here.
    let _ = azaudit::collect::settings::run_deadline(&cli.global);
    // One thread: the work is waiting on ARM's rate limit and parsing pages,
    // and a second worker thread gave no shorter run (BENCHMARKS.md) but a
    // second malloc arena, tens of megabytes of peak RSS.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            azaudit::warn_line!("azaudit: cannot start the async runtime: {e}");
            return Outcome::CouldNotRun.into();
        }
    };
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Snapshot(args) => commands::snapshot::run(&cli.global, args).await,
            Command::Whoami => commands::whoami::run(&cli.global).await,
            Command::Orphans(args) => commands::orphans::run(&cli.global, args).await,
            Command::SpExpiry(args) => commands::sp_expiry::run(&cli.global, args).await,
            Command::Quotas(args) => commands::check::quotas(&cli.global, args).await,
            Command::Check(args) => commands::check::check(&cli.global, args).await,
            Command::Demo(args) => commands::demo::run(&cli.global, args).await,
            Command::Completions { .. } | Command::Man => Ok(Outcome::Clean),
        }
    });
    if let Some(kib) = azaudit::memory::peak_rss_kib() {
        tracing::info!(peak_rss_mb = format!("{:.1}", kib as f64 / 1024.0), "memory");
    }
    match result {
        Ok(outcome) => outcome.into(),
        Err(commands::Fatal(msg)) => {
            azaudit::warn_line!("azaudit: {msg}");
            Outcome::CouldNotRun.into()
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let filter = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "azaudit=warn",
        (false, 1) => "azaudit=info",
        (false, 2) => "azaudit=debug,azure_identity=info",
        _ => "azaudit=trace,azure_identity=debug,azure_core=info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_target(false)
        // Colour only on a terminal, and never with NO_COLOR.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none())
        .init();
}
