//! The process's own peak memory, for `-v` and the memory guard test
//! (BENCHMARKS.md, "Memory").

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
