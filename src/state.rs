//! The state file (`--state-file`): when each finding was first seen, so
//! reports can say "orphaned for 12 days". Written atomically; a missing
//! file starts empty, and a corrupt one is rebuilt with a warning. Findings
//! that are gone are forgotten only after a complete run, so an incomplete
//! run never resets anyone's age.

use crate::findings::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const STATE_SCHEMA: &str = "azaudit.state/v1";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    pub schema: String,
    /// Finding key (`kind|resource id`) -> when it was first and last seen.
    pub findings: BTreeMap<String, Seen>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    pub first_seen: jiff::Timestamp,
    pub last_seen: jiff::Timestamp,
}

impl Default for State {
    fn default() -> Self {
        State { schema: STATE_SCHEMA.into(), findings: BTreeMap::new() }
    }
}

impl State {
    /// The most a state file may hold before it is refused.
    pub const MAX_BYTES: u64 = 64 << 20;

    /// Read the state. Missing or empty: a new one. Ours but corrupt: a new
    /// one, with a warning that ages restart. Anything else (another JSON
    /// file such as an azure.json, another schema, not JSON at all, too
    /// large, unreadable) is an error: azaudit never overwrites a file that
    /// is not its state file.
    pub fn load(path: &Path) -> Result<(State, Option<String>), String> {
        let refuse = |why: String| {
            Err(format!(
                "--state-file {}: {why}; refusing to overwrite it (give a new path, or remove the file)",
                path.display()
            ))
        };
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((State::default(), None)),
            Err(e) => return refuse(format!("cannot be read ({e})")),
            Ok(m) if m.len() > Self::MAX_BYTES => {
                return refuse(format!("is {} bytes, more than a state file's limit of {}", m.len(), Self::MAX_BYTES));
            }
            Ok(m) if m.is_dir() => return refuse("is a directory".into()),
            Ok(_) => {}
        }
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return refuse(format!("cannot be read ({e})")),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok((State::default(), None));
        }
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(v) => match v.get("schema").and_then(|s| s.as_str()) {
                Some(STATE_SCHEMA) => match serde_json::from_value::<State>(v) {
                    Ok(s) => Ok((s, None)),
                    Err(e) => Ok((
                        State::default(),
                        Some(format!(
                            "state file {} is corrupt ({e}); starting a new one, so ages restart today",
                            path.display()
                        )),
                    )),
                },
                Some(other) => refuse(format!("has schema '{other}', not '{STATE_SCHEMA}'")),
                None => refuse(format!("is JSON but not an azaudit state file (no \"schema\": \"{STATE_SCHEMA}\")")),
            },
            // Cut short or damaged, but recognisably ours.
            Err(e) if bytes.windows(STATE_SCHEMA.len()).any(|w| w == STATE_SCHEMA.as_bytes()) => Ok((
                State::default(),
                Some(format!(
                    "state file {} is corrupt (line {}, column {}: {e}); starting a new one, so ages restart today",
                    path.display(),
                    e.line(),
                    e.column()
                )),
            )),
            Err(_) => refuse("is not an azaudit state file".into()),
        }
    }

    /// Stamp `first_seen` and `age_days` on the findings, and remember them.
    /// With `complete`, forget findings no longer present.
    pub fn observe<'a>(
        &mut self,
        findings: impl Iterator<Item = &'a mut Finding>,
        now: jiff::Timestamp,
        complete: bool,
    ) {
        let mut present = std::collections::HashSet::new();
        for f in findings {
            let key = f.key();
            let seen = self.findings.entry(key.clone()).or_insert(Seen { first_seen: now, last_seen: now });
            seen.last_seen = now;
            f.first_seen = Some(seen.first_seen);
            f.age_days = Some((now.as_second() - seen.first_seen.as_second()).max(0) / 86_400);
            present.insert(key);
        }
        if complete {
            self.findings.retain(|k, _| present.contains(k));
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| format!("cannot encode the state: {e}"))?;
        crate::fsutil::write_output(path, &json, crate::fsutil::Access::Private).map_err(|e| format!("state file: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Kind, Severity};

    fn f(id: &str) -> Finding {
        Finding::new(Kind::PublicIpOrphaned, Severity::Warning, id, "x", "r")
    }

    #[test]
    fn ages_across_runs_and_forgets_only_after_complete_runs() {
        let day1: jiff::Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        let day13: jiff::Timestamp = "2026-11-13T06:00:00Z".parse().unwrap();
        let mut st = State::default();
        let mut a = [f("/a"), f("/b")];
        st.observe(a.iter_mut(), day1, true);
        assert_eq!(a[0].age_days, Some(0));
        let mut b = [f("/a")];
        st.observe(b.iter_mut(), day13, false);
        assert_eq!(b[0].age_days, Some(12));
        assert_eq!(b[0].first_seen, Some(day1));
        assert_eq!(st.findings.len(), 2, "an incomplete run forgets nothing");
        st.observe(b.iter_mut(), day13, true);
        assert_eq!(st.findings.len(), 1, "a complete run forgets what is gone");
    }

    #[test]
    fn missing_and_corrupt_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        let (s, w) = State::load(&p).unwrap();
        assert!(s.findings.is_empty() && w.is_none());
        std::fs::write(&p, "").unwrap();
        assert!(State::load(&p).unwrap().1.is_none(), "an empty file is a new state");
        std::fs::write(&p, "{\"schema\": \"azaudit.state/v1\", \"findings\": {").unwrap();
        let (s, w) = State::load(&p).unwrap();
        assert!(s.findings.is_empty());
        assert!(w.unwrap().contains("is corrupt (line 1"));
    }

    #[test]
    fn another_file_is_never_taken_for_state() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("azure.json");
        for other in [
            r#"{"cloud": "AzurePublicCloud", "aadClientSecret": "x"}"#,
            r#"{"schema": "azaudit.state/v2", "findings": {}}"#,
            "not json at all",
            "[1, 2, 3]",
        ] {
            std::fs::write(&p, other).unwrap();
            let err = State::load(&p).unwrap_err();
            assert!(err.contains("refusing to overwrite it"), "{other}: {err}");
            assert!(!err.contains("aadClientSecret") || !err.contains("\"x\""), "no content in the error");
        }
    }
}
