//! `Microsoft.Network/locations/{location}/usages` (api-version 2024-07-01).
//! Per-object entries (frontends per LB, rules per NSG) report only the
//! limit, with `currentValue` 0 (facts, section 6).

use super::common::Num;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub id: Option<String>,
    #[serde(default)]
    pub name: UsageName,
    #[serde(default)]
    pub current_value: Num,
    #[serde(default)]
    pub limit: Num,
    pub unit: Option<String>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageName {
    #[serde(default)]
    pub value: String,
    pub localized_value: Option<String>,
}
