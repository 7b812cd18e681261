//! `known-issue`: the cluster's Kubernetes version (from `/version`) falls in
//! a range affected by a cloud-provider bug the source guide lists under
//! "已知问题及修复版本", or one of the other version-specific bugs it names.
//! The table is data (`known_issues.yaml`), with links upstream.

use super::backend_pool::is_virtual;
use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::snapshot::ClusterKind;
use serde::Deserialize;

const TABLE: &str = include_str!("known_issues.yaml");

#[derive(Clone, Debug, Deserialize)]
pub struct KnownIssue {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub links: Vec<String>,
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub affected: Vec<(String, String)>,
    #[serde(default)]
    pub fixed: Vec<String>,
    #[serde(default)]
    pub prerelease_of: Option<String>,
}

/// A Kubernetes version: major, minor, patch, and whether it is a
/// pre-release (`-alpha.1`, `-beta.2`, `-rc.0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub pre: bool,
}

impl Version {
    /// `v1.17.2`, `1.17.2`, `v1.30.3-eks-1`, `v1.28.5+k3s1`.
    pub fn parse(s: &str) -> Option<Version> {
        let t = s.trim().trim_start_matches('v');
        let (core, rest) = match t.find(['-', '+']) {
            Some(i) => (&t[..i], &t[i..]),
            None => (t, ""),
        };
        let mut it = core.split('.').map(|p| p.parse::<u32>().ok());
        let (major, minor, patch) = (it.next()??, it.next()??, it.next().flatten().unwrap_or(0));
        let lower = rest.to_ascii_lowercase();
        let pre = lower.starts_with("-alpha") || lower.starts_with("-beta") || lower.starts_with("-rc");
        Some(Version { major, minor, patch, pre })
    }

    fn triple(self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch)
    }
}

/// The table, parsed. It is compiled in and tested, so a parse error is a
/// bug; it is reported rather than panicking.
pub fn table() -> Result<Vec<KnownIssue>, String> {
    serde_saphyr::from_str(TABLE).map_err(|e| format!("the built-in known-issues table is invalid: {e}"))
}

impl KnownIssue {
    pub fn affects(&self, v: Version) -> bool {
        if let Some(p) = self.prerelease_of.as_deref().and_then(Version::parse) {
            return v.pre && v.triple() == p.triple();
        }
        let parse = |s: &str| Version::parse(s).map(Version::triple);
        if !self.affected.is_empty() {
            return self.affected.iter().any(|(lo, hi)| match (parse(lo), parse(hi)) {
                (Some(lo), Some(hi)) => (lo..=hi).contains(&v.triple()),
                _ => false,
            });
        }
        let fixes: Vec<(u32, u32, u32)> = self.fixed.iter().filter_map(|f| parse(f)).collect();
        if fixes.is_empty() {
            return false;
        }
        if let Some(fix) = fixes.iter().find(|f| (f.0, f.1) == (v.major, v.minor)) {
            return v.triple() < *fix;
        }
        let oldest = fixes.iter().min().copied().unwrap_or((0, 0, 0));
        (v.major, v.minor) < (oldest.0, oldest.1)
    }
}

/// Known cloud-provider bugs in the cluster's Kubernetes version. The
/// version is optional (cluster files often lack it): its absence is a
/// note, and a failed read withholds, in the check itself.
pub const CHECK: Check = Check {
    name: "known-issues",
    audit: Audit::Check,
    emits: &[Emits::new(Kind::KnownIssue)],
    enabled: super::always,
    run: |i| check(i.ctx),
};

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    let c = &ctx.cluster;
    let Some(raw) = c.server_version.as_deref() else {
        if !c.skipped() && !c.complete(ClusterKind::Version) && c.lists.iter().any(|l| l.kind == ClusterKind::Version) {
            v.withhold(&[Kind::KnownIssue], "the cluster's version could not be read");
        } else if !c.skipped() {
            v.notes.push(
                "known-issue: the Kubernetes version is unknown (a cluster file has no /version); not checked".into(),
            );
        }
        return v;
    };
    let Some(version) = Version::parse(raw) else {
        v.notes.push(format!("known-issue: cannot read Kubernetes version '{raw}'"));
        return v;
    };
    let issues = match table() {
        Ok(t) => t,
        Err(e) => {
            v.notes.push(e);
            return v;
        }
    };
    let vmss = c.nodes.iter().any(|n| {
        n.provider_id.as_deref().is_some_and(|p| p.to_ascii_lowercase().contains("/virtualmachinescalesets/"))
    });
    let lbs = &ctx.snap.azure.load_balancers;
    let sku = |want: &str| {
        lbs.iter().any(|lb| lb.sku_name().unwrap_or("Basic").eq_ignore_ascii_case(want))
            || ctx
                .cloud_config()
                .and_then(|c| c.load_balancer_sku.as_deref())
                .is_some_and(|s| s.eq_ignore_ascii_case(want))
    };
    let msi = ctx.cloud_config().and_then(|c| c.use_managed_identity_extension) == Some(true);
    let virtual_nodes = c.nodes.iter().any(is_virtual);
    for issue in issues {
        let applies = issue.requires.iter().all(|r| match r.as_str() {
            "vmss" => vmss,
            "basic-lb" => sku("Basic"),
            "standard-lb" => sku("Standard"),
            "msi-config" => msi,
            "virtual-nodes" => virtual_nodes,
            _ => false,
        });
        if !applies || !issue.affects(version) {
            continue;
        }
        let fix = if issue.fixed.is_empty() {
            String::new()
        } else {
            format!("; fixed in {} and later", issue.fixed.join(", "))
        };
        let links = if issue.links.is_empty() { String::new() } else { format!(" ({})", issue.links.join(", ")) };
        v.findings.push(
            Finding::new(
                Kind::KnownIssue,
                Severity::Warning,
                format!("kubernetes://{}/version/{}", ctx.cluster_name, issue.id),
                &issue.id,
                format!("Kubernetes {raw} is affected: {}{fix}{links}", issue.title),
            )
            .with("version", raw)
            .with("links", serde_json::json!(issue.links))
            .with("fixed", serde_json::json!(issue.fixed)),
        );
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn issue(id: &str) -> KnownIssue {
        table().unwrap().into_iter().find(|i| i.id == id).unwrap()
    }

    #[test]
    fn the_table_parses_and_every_entry_is_decidable() {
        let t = table().unwrap();
        assert!(t.len() >= 12);
        for i in &t {
            assert!(!i.affected.is_empty() || !i.fixed.is_empty() || i.prerelease_of.is_some(), "{}", i.id);
            for l in &i.links {
                assert!(l.starts_with("https://github.com/"), "{l}");
            }
        }
    }

    #[test]
    fn findings_from_the_clusters_version_and_shape() {
        use crate::checks::testkit::*;
        let mut s = snap();
        s.cluster.server_version = Some("v1.16.6".into());
        s.cluster.nodes.push(node("n0", Some(&vmss_provider_id(RG, 0)), true, &[]));
        s.azure.load_balancers.push(lb("kubernetes", serde_json::json!({})));
        let ids = |s: &crate::snapshot::Snapshot| -> Vec<String> {
            check(&crate::checks::Ctx::new(s)).findings.iter().map(|f| f.name.clone()).collect()
        };
        let got = ids(&s);
        for want in [
            "pip-dns-label-lost",
            "route-table-update-conflict",
            "vmss-vm-update-conflict",
            "vmss-cache-inconsistent",
            "vmss-upgrade-standard-lb-backend-lost",
        ] {
            assert!(got.contains(&want.to_string()), "{want} in {got:?}");
        }
        assert!(!got.contains(&"vmss-upgrade-basic-lb-backend-lost".to_string()), "no Basic LB: {got:?}");
        s.cluster.server_version = Some("v1.30.3".into());
        assert!(ids(&s).is_empty());
    }

    #[test]
    fn versions_parse() {
        assert_eq!(v("v1.17.2"), Version { major: 1, minor: 17, patch: 2, pre: false });
        assert_eq!(v("v1.30.3-eks-1a2b").triple(), (1, 30, 3));
        assert!(!v("v1.30.3-eks-1a2b").pre);
        assert!(v("v1.10.0-beta.2").pre);
        assert_eq!(v("v1.28.5+k3s1").triple(), (1, 28, 5));
        assert!(Version::parse("latest").is_none());
    }

    #[test]
    fn ranges_and_fixed_lists() {
        let dns = issue("pip-dns-label-lost");
        assert!(dns.affects(v("v1.17.2")));
        assert!(!dns.affects(v("v1.17.3")));
        assert!(dns.affects(v("v1.14.10")));
        assert!(!dns.affects(v("v1.15.6")));
        let route = issue("route-table-update-conflict");
        assert!(route.affects(v("v1.16.7")), "below its minor's fix");
        assert!(!route.affects(v("v1.16.8")));
        assert!(route.affects(v("v1.14.3")), "older than every fixed minor");
        assert!(!route.affects(v("v1.19.0")), "later minors are fixed");
        assert!(!route.affects(v("v1.30.3")));
        let msi = issue("msi-option-ignored");
        assert!(msi.affects(v("v1.10.0-beta.1")));
        assert!(!msi.affects(v("v1.10.0")));
    }
}
