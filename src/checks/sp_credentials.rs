//! Service-principal credentials that have expired or will soon.
//!
//! The source guide's "Azure ServicePrincipal 过期": a cluster that calls
//! Azure with a service principal stops managing Azure when its secret
//! expires (one year by default) — load balancers stay pending, disks stop
//! attaching, autoscaling breaks. Every password (secret) and key
//! (certificate) credential of each application the cluster depends on is
//! checked against a fixed "now" passed in, never the wall clock, so the
//! arithmetic is testable.

use super::{Check, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::snapshot::{GraphFound, Snapshot};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;

const KINDS: [Kind; 4] =
    [Kind::SpCredentialExpired, Kind::SpCredentialExpiring, Kind::SpCredentialNoExpiry, Kind::SpNoValidCredential];

/// One credential and how long it has left, for every output (Prometheus
/// exports them all, not only the findings).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialExpiry {
    pub app_id: String,
    pub app_name: String,
    /// `secret` or `certificate`.
    pub credential_type: String,
    pub key_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date_time: Option<String>,
    /// None when it never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
}

/// `--warn-days` and `--critical-days` when not given.
pub const DEFAULT_WARN_DAYS: i64 = 30;
pub const DEFAULT_CRITICAL_DAYS: i64 = 7;

/// Thresholds and the clock.
#[derive(Clone, Debug)]
pub struct SpSettings {
    pub now: Timestamp,
    /// Critical below this many days left.
    pub critical_days: i64,
    /// Warning below this many days left.
    pub warn_days: i64,
}

/// Whole days between now and `end`, rounded toward zero: positive before
/// it, negative after it (-24 = it ended 24 whole days ago), 0 within a day
/// either side. The reason text uses the same number, so `days_left` and
/// "N days ago" always agree; expired or not comes from the instants, not
/// from this count. Offsets in the input are honoured, so
/// `2026-12-01T01:00:00+02:00` is `2026-11-30T23:00:00Z`.
pub fn days_left(end: Timestamp, now: Timestamp) -> i64 {
    (end.as_second() - now.as_second()) / 86_400
}

/// "24 days ago", "1 day ago", "less than a day ago", from [`days_left`].
fn ago(days: i64) -> String {
    match -days {
        0 => "less than a day ago".into(),
        1 => "1 day ago".into(),
        n => format!("{n} days ago"),
    }
}

/// Parse Graph's `endDateTime` (RFC 3339, `Z` or an offset, with or without
/// fractional seconds; a missing zone is taken as UTC).
pub fn parse_time(s: &str) -> Option<Timestamp> {
    let t = s.trim();
    t.parse::<Timestamp>().ok().or_else(|| format!("{t}Z").parse::<Timestamp>().ok())
}

/// A credential that does not expire within a century is treated as never
/// expiring (Graph shows such ones with far-future dates).
fn is_no_expiry(end: Option<Timestamp>, now: Timestamp) -> bool {
    end.is_none_or(|e| days_left(e, now) > 36_500)
}

/// Service-principal credentials that expired, expire soon or never do.
pub const CHECK: Check = Check {
    name: "sp-expiry",
    audit: Audit::SpExpiry,
    emits: &[
        Emits::new(Kind::SpCredentialExpired).graph(),
        Emits::new(Kind::SpCredentialExpiring).graph(),
        Emits::new(Kind::SpCredentialNoExpiry).graph(),
        Emits::new(Kind::SpNoValidCredential).graph(),
    ],
    enabled: |s| match s.sp {
        Some(Ok(_)) => Ok(()),
        Some(Err(why)) => Err(why.to_string()),
        None => Err("no credential thresholds".to_string()),
    },
    run: |i| match i.settings.sp {
        Some(Ok(s)) => check(i.ctx.snap, s),
        _ => Verdicts::default(),
    },
};

pub fn check(snap: &Snapshot, s: &SpSettings) -> Verdicts {
    let mut v = Verdicts::default();
    let Some(g) = &snap.graph else { return v };
    if let Some(fail) = &g.sign_in_failure {
        v.findings.push(
            Finding::new(
                Kind::SpCredentialExpired,
                Severity::Critical,
                format!("/applications(appId='{}')", fail.app_id),
                &fail.app_id,
                format!(
                    "azaudit's own sign-in as application {} failed with AADSTS7000222: its client secret has expired, so the cluster using it can no longer manage Azure (load balancers, disks, autoscaling). Add a new secret and update the cluster",
                    fail.app_id
                ),
            )
            .with("app_id", fail.app_id.as_str())
            .with("error", fail.message.as_str()),
        );
        v.withhold(&KINDS, "Microsoft Graph could not be read: azaudit's own credential cannot sign in");
        return v;
    }
    for mc in &g.msi_clusters {
        v.notes.push(format!("AKS cluster {mc} uses a managed identity: it has no service-principal secret to expire"));
    }
    let incomplete = g.lists.iter().any(|l| !l.complete);
    if incomplete {
        v.withhold(
            &KINDS,
            "some Microsoft Graph lookups failed (see incomplete): apps they would have returned were not checked",
        );
    }
    for req in &g.requested {
        let found = g.objects.iter().any(|o| o.object.app_id.eq_ignore_ascii_case(&req.app_id));
        if !found && !incomplete {
            v.notes.push(format!(
                "application {} ({}) was not found in Microsoft Graph: deleted, or registered in another tenant",
                req.app_id,
                req.sources.join(", ")
            ));
        }
    }
    for obj in &g.objects {
        let sources: Vec<String> = g
            .requested
            .iter()
            .filter(|r| r.app_id.eq_ignore_ascii_case(&obj.object.app_id))
            .flat_map(|r| r.sources.clone())
            .collect();
        let sources = if sources.is_empty() && g.all { vec!["--all".to_string()] } else { sources };
        check_object(obj, &sources, s, &mut v);
    }
    v
}

fn check_object(found: &GraphFound, sources: &[String], s: &SpSettings, v: &mut Verdicts) {
    let o = &found.object;
    let app = o.display_name.clone().unwrap_or_else(|| o.app_id.clone());
    let collection = if found.object_type == "servicePrincipal" { "servicePrincipals" } else { "applications" };
    let creds: Vec<_> = o.credentials().collect();
    let from =
        if sources.is_empty() { String::new() } else { format!(" (checked because of: {})", sources.join(", ")) };
    let mut valid = 0;
    for c in &creds {
        let (what, coll) = (c.what, c.collection);
        let end = c.end_date_time.and_then(parse_time);
        let label = c
            .display_name
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .or_else(|| c.hint.map(|h| format!("{h}…")))
            .unwrap_or_else(|| c.key_id.to_string());
        let id = format!("/{collection}/{}/{coll}/{}", o.id, c.key_id);
        let base = |kind: Kind, sev: Severity, reason: String, days: Option<i64>| {
            let mut f = Finding::new(kind, sev, &id, &label, format!("{reason}{from}"))
                .with("app_id", o.app_id.as_str())
                .with("app_name", app.as_str())
                .with("object", found.object_type.as_str())
                .with("credential_type", what)
                .with("key_id", c.key_id)
                .with("sources", json!(sources));
            if let Some(h) = c.hint {
                f = f.with("hint", h);
            }
            if let Some(e) = c.end_date_time {
                f = f.with("end_date_time", e);
            }
            if let Some(d) = days {
                f = f.with("days_left", d);
            }
            f.cluster = cluster_of(sources);
            f
        };
        if c.end_date_time.is_some() && end.is_none() {
            v.notes.push(format!("{what} {label} of {app} has an unreadable endDateTime {:?}", c.end_date_time));
            valid += 1;
            continue;
        }
        v.credentials.push(CredentialExpiry {
            app_id: o.app_id.clone(),
            app_name: app.clone(),
            credential_type: what.to_string(),
            key_id: c.key_id.to_string(),
            display_name: c.display_name.map(str::to_string),
            end_date_time: c.end_date_time.map(str::to_string),
            days_left: end.filter(|e| !is_no_expiry(Some(*e), s.now)).map(|e| days_left(e, s.now)),
        });
        if is_no_expiry(end, s.now) {
            valid += 1;
            v.findings.push(base(
                Kind::SpCredentialNoExpiry,
                Severity::Info,
                format!("{what} '{label}' of {app} ({}) never expires: long-lived secrets are a risk; rotate it on a schedule", o.app_id),
                None,
            ));
            continue;
        }
        let Some(end) = end else { continue };
        let days = days_left(end, s.now);
        if end <= s.now {
            v.findings.push(base(
                Kind::SpCredentialExpired,
                Severity::Critical,
                format!(
                    "{what} '{label}' of {app} ({}) expired on {} ({})",
                    o.app_id,
                    end.strftime("%Y-%m-%d %H:%M UTC"),
                    ago(days)
                ),
                Some(days),
            ));
            continue;
        }
        valid += 1;
        let sev = if days < s.critical_days {
            Severity::Critical
        } else if days < s.warn_days {
            Severity::Warning
        } else {
            continue;
        };
        let when = if days == 0 {
            "in less than a day".to_string()
        } else {
            format!("in {days} day{}", if days == 1 { "" } else { "s" })
        };
        v.findings.push(base(
            Kind::SpCredentialExpiring,
            sev,
            format!(
                "{what} '{label}' of {app} ({}) expires {when}, on {}: add a new one and roll it out before then",
                o.app_id,
                end.strftime("%Y-%m-%d %H:%M UTC")
            ),
            Some(days),
        ));
    }
    // Every credential expired: whatever uses this app is already broken.
    // An application object with no credentials at all that a cluster
    // depends on is broken too (a service principal alone may hold none).
    let depended_on = sources.iter().any(|s| s != "--all");
    let broken = if creds.is_empty() { depended_on && found.object_type == "application" } else { valid == 0 };
    if broken {
        let why = if creds.is_empty() {
            "has no credentials at all".to_string()
        } else {
            format!("has no valid credential: all {} have expired", creds.len())
        };
        let mut f = Finding::new(
            Kind::SpNoValidCredential,
            Severity::Critical,
            format!("/{collection}/{}", o.id),
            &app,
            format!("application {app} ({}) {why}; anything signing in with it (the cluster's cloud provider) is already failing", o.app_id),
        )
        .with("app_id", o.app_id.as_str())
        .with("sources", json!(sources));
        f.cluster = cluster_of(sources);
        v.findings.push(f);
    }
}

/// "AKS cluster aks-prod" -> Some("aks-prod").
fn cluster_of(sources: &[String]) -> Option<std::sync::Arc<str>> {
    sources.iter().find_map(|s| s.strip_prefix("AKS cluster ").map(Into::into))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::snap;
    use crate::models::graph::{GraphObject, PasswordCredential};
    use crate::snapshot::{AppRequest, GraphInventory};

    fn now() -> Timestamp {
        "2026-11-28T12:00:00Z".parse().unwrap()
    }

    fn settings() -> SpSettings {
        SpSettings { now: now(), critical_days: 7, warn_days: 30 }
    }

    fn cred(key: &str, end: Option<&str>) -> PasswordCredential {
        PasswordCredential {
            key_id: key.into(),
            display_name: Some(key.into()),
            hint: Some("Ab1".into()),
            end_date_time: end.map(str::to_string),
            ..Default::default()
        }
    }

    fn with_app(creds: Vec<PasswordCredential>) -> Snapshot {
        let mut s = snap();
        s.graph = Some(GraphInventory {
            requested: vec![AppRequest { app_id: "app-1".into(), sources: vec!["AKS cluster aks-prod".into()] }],
            objects: vec![GraphFound {
                object_type: "application".into(),
                object: GraphObject {
                    id: "obj-1".into(),
                    app_id: "app-1".into(),
                    display_name: Some("aks-prod-sp".into()),
                    password_credentials: creds,
                    key_credentials: vec![],
                },
            }],
            ..Default::default()
        });
        s
    }

    #[test]
    fn days_left_across_time_zones_and_the_day_boundary() {
        let t = |s: &str| parse_time(s).unwrap();
        // Exactly one day, then one second short of it.
        assert_eq!(days_left(t("2026-11-29T12:00:00Z"), now()), 1);
        assert_eq!(days_left(t("2026-11-29T11:59:59Z"), now()), 0);
        // The same instant written with an offset.
        assert_eq!(days_left(t("2026-11-29T14:00:00+02:00"), now()), 1);
        assert_eq!(days_left(t("2026-11-29T06:59:59-05:00"), now()), 0);
        // Passed: negative, rounded toward zero like the future side.
        assert_eq!(days_left(t("2026-11-28T11:59:59Z"), now()), 0);
        assert_eq!(days_left(t("2026-11-27T12:00:00Z"), now()), -1);
        assert_eq!(days_left(t("2026-11-27T11:59:59Z"), now()), -1);
        assert_eq!(days_left(t("2026-11-26T12:00:00Z"), now()), -2);
        // Graph's forms: fractional seconds, and no zone at all.
        assert_eq!(days_left(t("2026-12-05T12:00:00.1234567Z"), now()), 7);
        assert_eq!(days_left(t("2026-12-05T12:00:00"), now()), 7);
    }

    #[test]
    fn expired_expiring_healthy_and_no_expiry() {
        let s = with_app(vec![
            cred("old", Some("2026-11-01T00:00:00Z")),
            cred("soon", Some("2026-12-02T00:00:00Z")),
            cred("later", Some("2026-12-20T00:00:00Z")),
            cred("fine", Some("2027-11-01T00:00:00Z")),
            cred("forever", Some("2299-12-31T00:00:00Z")),
        ]);
        let v = check(&s, &settings());
        let got: Vec<(Kind, Severity, &str)> =
            v.findings.iter().map(|f| (f.kind, f.severity, f.name.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Kind::SpCredentialExpired, Severity::Critical, "old"),
                (Kind::SpCredentialExpiring, Severity::Critical, "soon"),
                (Kind::SpCredentialExpiring, Severity::Warning, "later"),
                (Kind::SpCredentialNoExpiry, Severity::Info, "forever"),
            ]
        );
        assert_eq!(v.findings[1].evidence.value("days_left"), 3);
        // 2026-11-01T00:00 is 27.5 days before now: the reason and
        // days_left use the same count.
        assert_eq!(v.findings[0].evidence.value("days_left"), -27);
        assert!(v.findings[0].reason.contains("(27 days ago)"), "{}", v.findings[0].reason);
        assert_eq!(v.findings[0].cluster.as_deref(), Some("aks-prod"));
        assert!(v.findings[0].resource_id.to_string().ends_with("/applications/obj-1/passwordCredentials/old"));
    }

    #[test]
    fn all_expired_means_no_valid_credential() {
        let v = check(
            &with_app(vec![cred("a", Some("2026-01-01T00:00:00Z")), cred("b", Some("2026-11-28T11:00:00Z"))]),
            &settings(),
        );
        assert_eq!(v.findings.iter().filter(|f| f.kind == Kind::SpCredentialExpired).count(), 2);
        let recent = v.findings.iter().find(|f| f.name == "b").unwrap();
        assert_eq!(recent.evidence.value("days_left"), 0);
        assert!(recent.reason.contains("(less than a day ago)"), "{}", recent.reason);
        let broken = v.findings.iter().find(|f| f.kind == Kind::SpNoValidCredential).unwrap();
        assert_eq!(broken.severity, Severity::Critical);
        assert!(broken.reason.contains("all 2 have expired"));
    }
}
