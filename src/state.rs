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
    /// Read the state. Missing: empty. Unreadable or corrupt: empty, and a
    /// warning saying it will be rebuilt.
    pub fn load(path: &Path) -> (State, Option<String>) {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (State::default(), None),
            Err(e) => {
                return (
                    State::default(),
                    Some(format!("state file {} cannot be read ({e}); starting a new one", path.display())),
                );
            }
        };
        match serde_json::from_slice::<State>(&bytes) {
            Ok(s) if s.schema == STATE_SCHEMA => (s, None),
            Ok(s) => (
                State::default(),
                Some(format!(
                    "state file {} has schema '{}', not '{STATE_SCHEMA}'; starting a new one",
                    path.display(),
                    s.schema
                )),
            ),
            Err(e) => (
                State::default(),
                Some(format!(
                    "state file {} is corrupt (line {}, column {}: {e}); starting a new one, so ages restart today",
                    path.display(),
                    e.line(),
                    e.column()
                )),
            ),
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
        crate::fsutil::write_output(path, &json).map_err(|e| format!("state file: {e}"))
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
        let (s, w) = State::load(&p);
        assert!(s.findings.is_empty() && w.is_none());
        std::fs::write(&p, "{\"schema\": \"azaudit.state/v1\", \"findings\": {").unwrap();
        let (s, w) = State::load(&p);
        assert!(s.findings.is_empty());
        assert!(w.unwrap().contains("is corrupt (line 1"));
    }
}
