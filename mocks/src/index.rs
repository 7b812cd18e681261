//! The scenario's resources grouped for listing: by subscription and type,
//! each with its resource group.

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Resources of one (subscription, type), each with its resource group.
type ByType = HashMap<(String, String), Vec<(Option<String>, Value)>>;

/// Resources grouped for listing.
pub struct Index {
    by_type: ByType,
    /// Lower-cased ID -> where the resource sits in `by_type`.
    by_id: HashMap<String, ((String, String), usize)>,
    pub(crate) subscriptions: BTreeSet<String>,
    pub(crate) groups: BTreeSet<(String, String)>,
}

impl Index {
    pub fn build(s: &crate::scenario::Scenario) -> Index {
        Self::of(s, &s.resources)
    }

    /// An index of `resources` (the scenario's, or Resource Graph's own
    /// copy of them).
    pub fn of(s: &crate::scenario::Scenario, resources: &[Value]) -> Index {
        let mut by_type: ByType = HashMap::new();
        let mut by_id = HashMap::new();
        let mut subscriptions = BTreeSet::new();
        let mut groups = BTreeSet::new();
        for sub in &s.subscriptions {
            subscriptions.insert(sub.id.to_ascii_lowercase());
            for rg in &sub.resource_groups {
                groups.insert((sub.id.to_ascii_lowercase(), rg.to_ascii_lowercase()));
            }
        }
        for r in resources {
            let Some(id) = r.get("id").and_then(Value::as_str) else { continue };
            let Some((sub, rg, ty)) = classify(id) else { continue };
            subscriptions.insert(sub.clone());
            if let Some(rg) = &rg {
                groups.insert((sub.clone(), rg.clone()));
            }
            let list = by_type.entry((sub.clone(), ty.clone())).or_default();
            by_id.insert(id.to_ascii_lowercase(), ((sub, ty), list.len()));
            list.push((rg, r.clone()));
        }
        Index { by_type, by_id, subscriptions, groups }
    }

    /// The types `sub` holds (lower-cased).
    pub(crate) fn types_of(&self, sub: &str) -> Vec<String> {
        let sub = sub.to_ascii_lowercase();
        self.by_type.keys().filter(|(s, _)| *s == sub).map(|(_, t)| t.clone()).collect()
    }

    /// One resource by its ID (any case).
    pub(crate) fn get(&self, id: &str) -> Option<&Value> {
        let (key, i) = self.by_id.get(&id.trim_end_matches('/').to_ascii_lowercase())?;
        self.by_type.get(key).and_then(|v| v.get(*i)).map(|(_, r)| r)
    }

    pub(crate) fn items(&self, sub: &str, ty: &str, rg: Option<&str>) -> Vec<&Value> {
        let key = (sub.to_ascii_lowercase(), ty.to_ascii_lowercase());
        let rg = rg.map(str::to_ascii_lowercase);
        self.by_type
            .get(&key)
            .map(|v| v.iter().filter(|(g, _)| rg.is_none() || *g == rg).map(|(_, r)| r).collect())
            .unwrap_or_default()
    }

    pub(crate) fn count(&self, sub: &str, ty: &str, loc: &str, pred: impl Fn(&Value) -> bool) -> i64 {
        self.items(sub, ty, None)
            .into_iter()
            .filter(|r| r.get("location").and_then(Value::as_str).is_some_and(|l| norm_loc(l) == norm_loc(loc)))
            .filter(|r| pred(r))
            .count() as i64
    }
}

fn norm_loc(l: &str) -> String {
    l.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase()
}

/// `(subscription, resource group, type)` of a resource ID, lower-cased.
/// The type is taken after the last `/providers/`, so locks scoped to a
/// resource are typed `microsoft.authorization/locks`; a child resource's
/// type names each level (`microsoft.storage/storageaccounts/fileservices/shares`).
pub fn classify(id: &str) -> Option<(String, Option<String>, String)> {
    let segs: Vec<&str> = id.trim_matches('/').split('/').collect();
    if segs.len() < 2 || !segs[0].eq_ignore_ascii_case("subscriptions") {
        return None;
    }
    let sub = segs[1].to_ascii_lowercase();
    let rg = (segs.len() > 3 && segs[2].eq_ignore_ascii_case("resourceGroups")).then(|| segs[3].to_ascii_lowercase());
    let p = segs.iter().rposition(|s| s.eq_ignore_ascii_case("providers"))?;
    if segs.len() < p + 4 {
        return None;
    }
    let types: Vec<&str> = segs[p + 2..].iter().step_by(2).copied().collect();
    Some((sub, rg, format!("{}/{}", segs[p + 1], types.join("/")).to_ascii_lowercase()))
}
