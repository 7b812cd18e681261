//! Suppressions: known exceptions, each with a reason. A suppressed finding
//! is counted, not hidden, in every output, and does not affect the exit
//! code. A suppression past its `expires` date stops suppressing and is
//! itself reported (`suppression-expired`). The file is YAML:
//!
//! ```yaml
//! suppressions:
//!   - resource: "/subscriptions/*/resourceGroups/mc_*/providers/Microsoft.Network/publicIPAddresses/dr-*"
//!     kind: public-ip-unattached        # optional
//!     tag: "keep=true"                  # optional: key, or key=value, on the resource
//!     reason: "reserved for the DR cut-over"   # required
//!     expires: 2027-03-31               # optional
//! ```
//!
//! Every given matcher must match; at least one is required. Resource IDs
//! match as case-insensitive globs (`*` crosses `/`). Errors name the file
//! and the line.

use crate::findings::{Finding, Kind, Severity};
use crate::models::{ResourceId, Tags};
use crate::snapshot::Snapshot;
use globset::{Glob, GlobMatcher};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    suppressions: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    resource: Option<String>,
    kind: Option<String>,
    tag: Option<String>,
    reason: Option<String>,
    expires: Option<String>,
}

/// One parsed suppression.
#[derive(Clone, Debug)]
pub struct Rule {
    pub line: u64,
    pub resource: Option<(String, GlobMatcher)>,
    pub kind: Option<Kind>,
    pub tag: Option<(String, Option<String>)>,
    pub reason: String,
    pub expires: Option<Date>,
}

/// A finding that a suppression hid from the verdict (but not the report).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
    /// `file:line` of the suppression.
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// Parse a suppressions file. `name` is used in errors.
pub fn parse(text: &str, name: &str) -> Result<Vec<Rule>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| {
        let full = e.to_string();
        let first =
            full.lines().find(|l| !l.trim().is_empty()).unwrap_or(&full).trim().trim_start_matches("error:").trim();
        match e.location() {
            Some(l) => format!("suppressions {name}: line {}: {}", l.line(), crate::text::one_line(first)),
            None => format!("suppressions {name}: {}", crate::text::one_line(first)),
        }
    })?;
    let mut rules = Vec::new();
    for s in raw.suppressions {
        let line = s.referenced.line();
        let at = |msg: String| format!("suppressions {name}: line {line}: {msg}");
        let r = s.value;
        let reason = r.reason.map(|x| x.trim().to_string()).filter(|x| !x.is_empty());
        let Some(reason) = reason else {
            return Err(at("every suppression needs a reason".into()));
        };
        let resource = match r.resource.filter(|x| !x.trim().is_empty()) {
            None => None,
            Some(pat) => {
                let glob = Glob::new(&pat.to_ascii_lowercase())
                    .map_err(|e| at(format!("resource '{pat}' is not a valid glob: {e}")))?;
                Some((pat, glob.compile_matcher()))
            }
        };
        let kind = match r.kind.filter(|x| !x.trim().is_empty()) {
            None => None,
            Some(k) => Some(Kind::all().find(|x| x.as_str() == k.trim()).ok_or_else(|| {
                at(format!("unknown kind '{k}' (kinds are the finding kinds, such as public-ip-orphaned)"))
            })?),
        };
        let tag = r.tag.filter(|x| !x.trim().is_empty()).map(|t| match t.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), Some(v.trim().to_string())),
            None => (t.trim().to_string(), None),
        });
        let expires = match r.expires.filter(|x| !x.trim().is_empty()) {
            None => None,
            Some(d) => {
                Some(parse_date(&d).ok_or_else(|| at(format!("expires '{d}' is not a date such as 2027-03-31")))?)
            }
        };
        if resource.is_none() && kind.is_none() && tag.is_none() {
            return Err(at("a suppression needs at least one of resource, kind or tag".into()));
        }
        rules.push(Rule { line, resource, kind, tag, reason, expires });
    }
    Ok(rules)
}

fn parse_date(s: &str) -> Option<Date> {
    let t = s.trim();
    t.parse::<Date>()
        .ok()
        .or_else(|| t.parse::<jiff::Timestamp>().ok().map(|ts| ts.to_zoned(jiff::tz::TimeZone::UTC).date()))
}

/// Tags of every ARM resource in the snapshot, by lower-cased ID.
pub struct TagIndex(HashMap<String, Tags>);

impl TagIndex {
    pub fn new(snap: &Snapshot) -> TagIndex {
        let mut m = HashMap::new();
        snap.azure.each(|_, r| {
            if let Some(tags) = r.tags().filter(|t| !t.is_empty()) {
                m.insert(r.id().key(), tags.clone());
            }
        });
        TagIndex(m)
    }

    /// The tags of the resource, or of the resource a sub-resource belongs to.
    pub fn get(&self, id: &ResourceId) -> Option<&Tags> {
        let mut cur = id.clone();
        for _ in 0..4 {
            if let Some(t) = self.0.get(&cur.key()) {
                return Some(t);
            }
            cur = cur.parent();
            if cur.is_empty() {
                break;
            }
        }
        None
    }
}

impl Rule {
    pub fn matches(&self, f: &Finding, tags: Option<&Tags>) -> bool {
        if let Some((_, g)) = &self.resource
            && !g.is_match(f.resource_id.key())
        {
            return false;
        }
        if self.kind.is_some_and(|k| k != f.kind) {
            return false;
        }
        if let Some((key, value)) = &self.tag {
            match tags.and_then(|t| t.get(key)) {
                None => return false,
                Some(v) => {
                    if value.as_ref().is_some_and(|want| !want.eq_ignore_ascii_case(v)) {
                        return false;
                    }
                }
            }
        }
        true
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some((p, _)) = &self.resource {
            parts.push(format!("resource {p}"));
        }
        if let Some(k) = self.kind {
            parts.push(format!("kind {k}"));
        }
        if let Some((k, v)) = &self.tag {
            parts.push(match v {
                Some(v) => format!("tag {k}={v}"),
                None => format!("tag {k}"),
            });
        }
        parts.join(", ")
    }
}

/// The outcome of applying suppressions to findings.
#[derive(Debug, Default)]
pub struct Applied {
    pub kept: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    /// `suppression-expired` findings for rules past their date.
    pub expired: Vec<Finding>,
    /// Rules that matched nothing, one line each.
    pub unused: Vec<String>,
}

pub fn apply(findings: Vec<Finding>, rules: &[Rule], tags: &TagIndex, today: Date, file: &str) -> Applied {
    let mut out = Applied::default();
    let (active, expired): (Vec<&Rule>, Vec<&Rule>) = rules.iter().partition(|r| r.expires.is_none_or(|d| d >= today));
    for r in &expired {
        let d = r.expires.map(|d| d.to_string()).unwrap_or_default();
        out.expired.push(
            Finding::new(
                Kind::SuppressionExpired,
                Severity::Warning,
                format!("file://{file}#L{}", r.line),
                &format!("{file}:{}", r.line),
                format!(
                    "the suppression at {file}:{} ({}; reason: {}) expired on {d}; it no longer hides findings: renew it with a new date, or fix what it covered",
                    r.line,
                    r.describe(),
                    r.reason
                ),
            )
            .with("expired_on", d.as_str()),
        );
    }
    let mut used = vec![false; active.len()];
    for f in findings {
        let t = tags.get(&f.resource_id);
        match active.iter().position(|r| r.matches(&f, t)) {
            Some(i) => {
                used[i] = true;
                let r = active[i];
                out.suppressed.push(Suppressed {
                    finding: f,
                    reason: r.reason.clone(),
                    rule: format!("{file}:{}", r.line),
                    expires: r.expires.map(|d| d.to_string()),
                });
            }
            None => out.kept.push(f),
        }
    }
    for (r, u) in active.iter().zip(used) {
        if !u {
            out.unused.push(format!("the suppression at {file}:{} ({}) matched nothing", r.line, r.describe()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "suppressions:\n  - resource: \"/subscriptions/*/publicIPAddresses/dr-*\"\n    reason: reserved for DR\n  - kind: lb-idle\n    tag: \"keep=yes\"\n    reason: kept for the migration\n    expires: 2026-12-31\n  - kind: disk-orphaned\n    reason: legal hold\n    expires: 2026-01-01\n";

    fn finding(kind: Kind, id: &str) -> Finding {
        Finding::new(kind, Severity::Warning, id, id.rsplit('/').next().unwrap(), "r")
    }

    #[test]
    fn matching_expiry_and_counting() {
        let rules = parse(FILE, "s.yaml").unwrap();
        assert_eq!(rules.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 4, 8]);
        let snap = crate::checks::testkit::snap();
        let idx = TagIndex::new(&snap);
        let today: Date = "2026-11-28".parse().unwrap();
        let f = vec![
            finding(
                Kind::PublicIpUnattached,
                "/subscriptions/S/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/DR-east",
            ),
            finding(
                Kind::PublicIpUnattached,
                "/subscriptions/S/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/other",
            ),
            finding(
                Kind::LbIdle,
                "/subscriptions/S/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/untagged",
            ),
            finding(Kind::DiskOrphaned, "/subscriptions/S/resourceGroups/rg/providers/Microsoft.Compute/disks/d"),
        ];
        let a = apply(f, &rules, &idx, today, "s.yaml");
        assert_eq!(a.suppressed.len(), 1, "case-insensitive glob across slashes");
        assert_eq!(a.suppressed[0].rule, "s.yaml:2");
        assert_eq!(a.kept.len(), 3, "the tag rule needs the tag; the disk rule has expired");
        assert_eq!(a.expired.len(), 1);
        assert!(a.expired[0].reason.contains("expired on 2026-01-01") && a.expired[0].reason.contains("legal hold"));
        assert_eq!(
            a.unused,
            vec!["the suppression at s.yaml:4 (kind lb-idle, tag keep=yes) matched nothing".to_string()]
        );
    }

    #[test]
    fn tags_match_through_the_parent_resource() {
        let mut snap = crate::checks::testkit::snap();
        let mut lb = crate::checks::testkit::lb("kubernetes", serde_json::json!({}));
        lb.tags = Tags::from_pairs([("Keep", "YES")]);
        let rule_id = format!("{}/frontendIPConfigurations/fe", lb.id);
        snap.azure.load_balancers.push(lb);
        let rules = parse("suppressions:\n  - tag: keep=yes\n    reason: r\n", "s").unwrap();
        let a = apply(
            vec![finding(Kind::LbFrontendOrphaned, &rule_id)],
            &rules,
            &TagIndex::new(&snap),
            "2026-01-01".parse().unwrap(),
            "s",
        );
        assert_eq!(a.suppressed.len(), 1);
    }

    #[test]
    fn malformed_entries_name_the_line() {
        let e = |t: &str| parse(t, "s.yaml").unwrap_err();
        assert_eq!(
            e("suppressions:\n  - kind: lb-idle\n"),
            "suppressions s.yaml: line 2: every suppression needs a reason"
        );
        assert!(
            e("suppressions:\n  - reason: x\n    kind: lb-idel\n")
                .starts_with("suppressions s.yaml: line 2: unknown kind 'lb-idel'")
        );
        assert!(
            e("suppressions:\n  - reason: x\n    kind: lb-idle\n  - reason: y\n    resource: \"[\"\n")
                .starts_with("suppressions s.yaml: line 4: resource '['")
        );
        assert!(
            e("suppressions:\n  - reason: x\n    kind: lb-idle\n    expires: soon\n")
                .contains("line 2: expires 'soon'")
        );
        assert!(e("suppressions:\n  - reason: x\n").contains("at least one of resource, kind or tag"));
        let unknown = e("suppressions:\n  - reason: x\n    kind: lb-idle\n    reasn: typo\n");
        assert!(unknown.starts_with("suppressions s.yaml: line ") && unknown.contains("reasn"), "{unknown}");
        assert!(!unknown.contains('\n'));
    }
}
