//! The memory guard: a generated kubectl cluster file, read by the real
//! binary at one size and at three times the size. Peak memory must grow by
//! less than the file grew: azaudit keeps a few fields of each object, so a
//! change that holds the file, or a parsed tree of it, beside what it keeps
//! fails here. Untimed and cheap; the full figures are `bench/run`'s
//! (BENCHMARKS.md, "Memory").

use crate::common::*;
use azure_mock::synth::{self, Params};

/// Peak RSS in MB from `-v`'s closing "memory" line.
fn peak_rss_mb(stderr: &str) -> Option<f64> {
    let at = stderr.rfind("peak_rss_mb=")?;
    let rest = &stderr[at + "peak_rss_mb=".len()..];
    rest.trim_start_matches('"').split(|c: char| !(c.is_ascii_digit() || c == '.')).next()?.parse().ok()
}

#[test]
fn memory_grows_with_what_is_kept_not_with_the_cluster_file() {
    if !cfg!(target_os = "linux") {
        println!("SKIPPED memory guard: peak RSS is read from /proc (Linux only)");
        return;
    }
    let base = Params {
        public_ips: 200,
        frontends: 100,
        load_balancers: 1,
        nsgs: 1,
        rules_per_nsg: 10,
        disks: 300,
        nics: 10,
        services: 1200,
        nodes: 400,
        orphan_every: 50,
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let mock = start(synth::generate(&base));
    let sub = synth::subscription_id(0);
    let mut measured = Vec::new();
    for scale in [1, 3] {
        let p = Params {
            services: base.services * scale,
            nodes: base.nodes * scale,
            disks: base.disks * scale,
            ..base.clone()
        };
        let file = dir.path().join(format!("cluster-{scale}.json"));
        let text = serde_json::to_vec_pretty(&synth::kubectl_list(&synth::generate(&p))).unwrap();
        std::fs::write(&file, &text).unwrap();
        let out = dir.path().join(format!("snap-{scale}.json"));
        let run = azaudit_raw(
            &mock,
            &[],
            &[
                "--subscription",
                &sub,
                "--no-cloud-config",
                "--cluster-file",
                file.to_str().unwrap(),
                "-v",
                "snapshot",
                "-o",
                out.to_str().unwrap(),
            ],
        );
        run.assert_no_panic();
        assert_eq!(run.code, 0, "{}", run.stderr);
        let snap = read_json(&out);
        assert_eq!(snap["cluster"]["nodes"].as_array().map(Vec::len), Some(base.nodes * scale));
        let rss = peak_rss_mb(&run.stderr).unwrap_or_else(|| panic!("no peak_rss_mb in:\n{}", run.stderr));
        measured.push((text.len() as f64 / 1_048_576.0, rss));
    }
    let ((small_file, small_rss), (big_file, big_rss)) = (measured[0], measured[1]);
    println!("cluster file {small_file:.1} MB: peak {small_rss:.1} MB; {big_file:.1} MB: peak {big_rss:.1} MB");
    assert!(
        big_rss - small_rss < big_file - small_file,
        "peak RSS grew by {:.1} MB for {:.1} MB more file: the file (or a tree of it) is being held",
        big_rss - small_rss,
        big_file - small_file
    );
}
