//! Shape variation, as real ARM responses differ from the spec examples:
//! whole numbers rendered as floats, fields no spec mentions, and resource
//! groups spelt in a different case inside references.

use crate::rng::Rng;
use serde_json::{Map, Number, Value};

/// Integer-valued fields that real responses sometimes render as floats.
const NUMERIC: [&str; 10] = [
    "idleTimeoutInMinutes",
    "frontendPort",
    "backendPort",
    "port",
    "priority",
    "diskSizeGB",
    "intervalInSeconds",
    "numberOfProbes",
    "currentValue",
    "limit",
];

/// Vary one top-level resource in place.
pub fn vary(v: &mut Value, seed: u64) {
    let mut rng = Rng(seed);
    if let Value::Object(o) = v {
        o.insert("etag".into(), Value::String(format!("W/\"{:x}\"", rng.next_u64())));
        if let Some(Value::Object(p)) = o.get_mut("properties") {
            p.insert(
                "resourceGuid".into(),
                Value::String(format!(
                    "{:08x}-0000-4000-8000-{:012x}",
                    rng.next_u64() as u32,
                    rng.next_u64() & 0xffff_ffff_ffff
                )),
            );
            if rng.chance(2) {
                p.insert(
                    "futureProperty".into(),
                    serde_json::json!({"addedIn": "2099-01-01", "values": [1, 2.5, null]}),
                );
            }
        }
    }
    walk(v, &mut rng, 0);
}

fn walk(v: &mut Value, rng: &mut Rng, depth: usize) {
    match v {
        Value::Object(o) => {
            vary_object(o, rng, depth);
            for (_, child) in o.iter_mut() {
                walk(child, rng, depth + 1);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| walk(c, rng, depth + 1)),
        _ => {}
    }
}

fn vary_object(o: &mut Map<String, Value>, rng: &mut Rng, depth: usize) {
    for key in NUMERIC {
        if let Some(Value::Number(n)) = o.get(key)
            && let Some(i) = n.as_i64()
            && rng.chance(2)
            && let Some(f) = Number::from_f64(i as f64)
        {
            o.insert(key.into(), Value::Number(f));
        }
    }
    // References (not the resource's own id) sometimes carry the resource
    // group in another case.
    if depth > 0
        && let Some(Value::String(id)) = o.get("id")
        && rng.chance(3)
    {
        let changed = recase_group(id);
        o.insert("id".into(), Value::String(changed));
    }
}

fn recase_group(id: &str) -> String {
    let mut parts: Vec<String> = id.split('/').map(str::to_string).collect();
    for i in 0..parts.len().saturating_sub(1) {
        if parts[i].eq_ignore_ascii_case("resourceGroups") {
            parts[i] = "resourcegroups".into();
            parts[i + 1] = parts[i + 1].to_ascii_uppercase();
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variation_is_deterministic_and_keeps_meaning() {
        let orig = serde_json::json!({"id": "/subscriptions/s/resourceGroups/rg/providers/X/y/z",
            "properties": {"ipConfiguration": {"id": "/subscriptions/s/resourceGroups/rg/providers/X/lb/fe"}, "idleTimeoutInMinutes": 4}});
        let mut a = orig.clone();
        let mut b = orig.clone();
        vary(&mut a, 7);
        vary(&mut b, 7);
        assert_eq!(a, b);
        assert_eq!(a["id"], orig["id"], "the resource's own id is never changed");
        assert_eq!(a["properties"]["idleTimeoutInMinutes"].as_f64(), Some(4.0));
        let r = a["properties"]["ipConfiguration"]["id"].as_str().unwrap().to_ascii_lowercase();
        assert_eq!(r, "/subscriptions/s/resourcegroups/rg/providers/x/lb/fe");
        assert!(a.get("etag").is_some());
    }
}
