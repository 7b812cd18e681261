//! The process's own peak memory, for `-v` and the memory guard test
//! (BENCHMARKS.md, "Memory").

use std::sync::atomic::{AtomicBool, Ordering};

static PROCESS_ENDS_AFTER_RUN: AtomicBool = AtomicBool::new(false);

/// Called by the binary: the process ends when its one command returns, so
/// what the command holds at the end need not be freed piece by piece.
pub fn process_ends_after_run() {
    PROCESS_ENDS_AFTER_RUN.store(true, Ordering::Relaxed);
}

/// Let go of a large value at the end of a command. In the binary it is not
/// freed: the operating system takes the whole heap back at exit, and
/// freeing a large snapshot and its findings one allocation at a time cost
/// about a tenth of an `orphans --from` run's CPU (BENCHMARKS.md). In the
/// library (tests) it is dropped as usual.
pub fn discard<T>(value: T) {
    if PROCESS_ENDS_AFTER_RUN.load(Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}

/// Peak resident set size in KiB (`VmHWM` in `/proc/self/status`); `None`
/// where there is no such file (not Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_peak_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let kib = super::peak_rss_kib().expect("VmHWM on Linux");
            assert!(kib > 100, "{kib} KiB");
        }
    }
}
