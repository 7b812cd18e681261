//! The scope azaudit discovers: subscriptions (`GET /subscriptions`,
//! Microsoft.Resources 2022-12-01) and a management group's descendants
//! (`GET /providers/Microsoft.Management/managementGroups/{id}/descendants`).
//! Only what choosing the subscriptions needs is kept.

use serde::{Deserialize, Serialize};

/// One subscription of `GET /subscriptions`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    #[serde(default)]
    pub subscription_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `Enabled`, `Warned`, `PastDue`, `Disabled` or `Deleted` (the spec's
    /// enum); absent is read as enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl Subscription {
    /// Whether its resources are audited: a `Disabled` or `Deleted`
    /// subscription runs nothing and is not billed, and ARM refuses or
    /// empties its lists; `Warned` and `PastDue` ones still run.
    pub fn is_active(&self) -> bool {
        !matches!(self.state.as_deref(), Some(s) if s.eq_ignore_ascii_case("Disabled") || s.eq_ignore_ascii_case("Deleted"))
    }

    /// `name (id)`, or the ID alone.
    pub fn describe(&self) -> String {
        match &self.display_name {
            Some(n) if !n.is_empty() => format!("{n} ({})", self.subscription_id),
            _ => self.subscription_id.clone(),
        }
    }
}

/// One descendant of a management group: a subscription or a child group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descendant {
    #[serde(default)]
    pub id: String,
    /// `Microsoft.Management/managementGroups/subscriptions` for a
    /// subscription (some responses say `/subscriptions`),
    /// `Microsoft.Management/managementGroups` for a group.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// The subscription ID, or the group's name.
    #[serde(default)]
    pub name: String,
}

impl Descendant {
    /// The subscription ID, when this descendant is a subscription.
    pub fn subscription_id(&self) -> Option<&str> {
        let t = self.kind.trim_end_matches('/');
        let is_sub = t.eq_ignore_ascii_case("/subscriptions")
            || t.to_ascii_lowercase().ends_with("managementgroups/subscriptions");
        if !is_sub {
            return None;
        }
        let from_id = self.id.rsplit_once("/subscriptions/").map(|(_, s)| s.trim_end_matches('/'));
        from_id.filter(|s| !s.is_empty() && !s.contains('/')).or(Some(self.name.as_str()).filter(|s| !s.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Page;

    fn recorded(name: &str) -> serde_json::Value {
        let p =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recorded/subscriptions").join(name);
        serde_json::from_slice(&std::fs::read(p).expect("recording")).expect("JSON")
    }

    /// The two fields discovery reads, held to real `GET /subscriptions`
    /// responses (Java and .NET SDK recordings).
    #[test]
    fn recorded_subscription_lists_give_ids_and_states() {
        for name in ["list-one-enabled.json", "list-sanitized-ids.json"] {
            let raw = recorded(name);
            let page: Page<Subscription> = serde_json::from_value(raw.clone()).expect("parses");
            let items = raw["value"].as_array().expect("value");
            assert_eq!(page.value.len(), items.len(), "{name}");
            for (got, want) in page.value.iter().zip(items) {
                assert_eq!(got.subscription_id, want["subscriptionId"].as_str().unwrap(), "{name}");
                assert_eq!(got.state.as_deref(), want["state"].as_str(), "{name}");
                assert_eq!(got.display_name.as_deref(), want["displayName"].as_str(), "{name}");
                assert!(got.is_active(), "{name}: Enabled");
            }
        }
    }

    #[test]
    fn disabled_and_deleted_subscriptions_are_not_audited() {
        let s = |state: Option<&str>| Subscription { state: state.map(str::to_string), ..Default::default() };
        assert!(s(None).is_active());
        for st in ["Enabled", "Warned", "PastDue"] {
            assert!(s(Some(st)).is_active(), "{st}");
        }
        for st in ["Disabled", "deleted"] {
            assert!(!s(Some(st)).is_active(), "{st}");
        }
    }

    #[test]
    fn descendants_name_their_subscriptions() {
        let d = |kind: &str, id: &str, name: &str| Descendant { id: id.into(), kind: kind.into(), name: name.into() };
        let sub = d(
            "Microsoft.Management/managementGroups/subscriptions",
            "/providers/Microsoft.Management/managementGroups/g1/subscriptions/728bcbe4-8d56-4510-86c2-4921b8beefbc",
            "728bcbe4-8d56-4510-86c2-4921b8beefbc",
        );
        assert_eq!(sub.subscription_id(), Some("728bcbe4-8d56-4510-86c2-4921b8beefbc"));
        let short = d("/subscriptions", "/subscriptions/abc", "abc");
        assert_eq!(short.subscription_id(), Some("abc"));
        let group =
            d("Microsoft.Management/managementGroups", "/providers/Microsoft.Management/managementGroups/g2", "g2");
        assert_eq!(group.subscription_id(), None);
    }
}
