//! The Azure cloud provider's cloud-config file (`/etc/kubernetes/azure.json`).
//!
//! Every field the facts file lists is read, tolerantly (booleans and numbers
//! may be written as strings). Secrets (`aadClientSecret`,
//! `aadClientCertPassword`) are held in [`Secret`], which never prints or
//! serializes its value; parse errors name the file and the line and column,
//! and never quote a value.

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};

/// The default location of the cloud-config file on a node.
pub const DEFAULT_PATH: &str = "/etc/kubernetes/azure.json";

/// A secret value: `Debug`, `Display` and `Serialize` all redact it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The value, for handing to a credential. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("<redacted>")
    }
}

/// The parsed cloud-config. Absent fields are `None`.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudConfig {
    #[serde(skip)]
    pub path: PathBuf,
    pub cloud: Option<String>,
    pub tenant_id: Option<String>,
    pub subscription_id: Option<String>,
    pub aad_client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aad_client_secret: Option<Secret>,
    pub aad_client_cert_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aad_client_cert_password: Option<Secret>,
    pub use_managed_identity_extension: Option<bool>,
    pub user_assigned_identity_id: Option<String>,
    pub aad_federated_token_file: Option<String>,
    pub use_federated_workload_identity_extension: Option<bool>,
    pub use_instance_metadata: Option<bool>,
    pub resource_group: Option<String>,
    /// Where the network resources are, when not in the cluster's own
    /// subscription (cloud-provider-azure's auth config
    /// `NetworkResourceSubscriptionID`).
    pub network_resource_subscription_id: Option<String>,
    pub location: Option<String>,
    pub vnet_name: Option<String>,
    pub vnet_resource_group: Option<String>,
    pub subnet_name: Option<String>,
    pub security_group_name: Option<String>,
    pub route_table_name: Option<String>,
    pub route_table_resource_group: Option<String>,
    pub vm_type: Option<String>,
    pub load_balancer_sku: Option<String>,
    pub load_balancer_name: Option<String>,
    /// The `name` of each `multipleStandardLoadBalancerConfigurations` entry
    /// (`pkg/provider/config/multi_slb.go`): the load balancers the provider
    /// may place Services on (`<name>`, `<name>-internal`).
    pub multiple_standard_load_balancers: Vec<String>,
    pub maximum_load_balancer_rule_count: Option<i64>,
    pub exclude_master_from_standard_lb: Option<bool>,
    pub load_balancer_backend_pool_configuration_type: Option<String>,
    pub cloud_provider_rate_limit: Option<bool>,
    #[serde(rename = "cloudProviderRateLimitQPS")]
    pub cloud_provider_rate_limit_qps: Option<f64>,
    pub cloud_provider_rate_limit_bucket: Option<i64>,
    #[serde(rename = "cloudProviderRateLimitQPSWrite")]
    pub cloud_provider_rate_limit_qps_write: Option<f64>,
    pub cloud_provider_rate_limit_bucket_write: Option<i64>,
    pub cloud_provider_backoff: Option<bool>,
    pub cloud_provider_backoff_retries: Option<i64>,
    pub cloud_provider_backoff_exponent: Option<f64>,
    pub cloud_provider_backoff_duration: Option<i64>,
    pub cloud_provider_backoff_jitter: Option<f64>,
}

impl CloudConfig {
    /// `maximumLoadBalancerRuleCount`, or the provider's default of 250.
    pub fn max_lb_rules(&self) -> i64 {
        self.maximum_load_balancer_rule_count.unwrap_or(250)
    }

    /// Read and parse a file. Errors name the file and the position.
    pub fn load(path: &Path) -> Result<CloudConfig, String> {
        let text = crate::fsutil::read_capped(path, crate::fsutil::SMALL_INPUT_MAX, "cloud config")?;
        let mut cfg = Self::parse(&text).map_err(|e| format!("cloud config {}: {e}", path.display()))?;
        cfg.path = path.to_path_buf();
        Ok(cfg)
    }

    /// Parse the JSON text.
    pub fn parse(text: &str) -> Result<CloudConfig, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            // serde_json's syntax messages carry no values, only the position.
            let what = match e.classify() {
                serde_json::error::Category::Eof => "unexpected end of file".to_string(),
                _ => syntax_kind(&e),
            };
            format!("line {}, column {}: {what}", e.line(), e.column())
        })?;
        let Value::Object(o) = v else {
            return Err("line 1, column 1: expected a JSON object".into());
        };
        let f = Fields { o: &o, text };
        Ok(CloudConfig {
            path: PathBuf::new(),
            cloud: f.string("cloud")?,
            tenant_id: f.string("tenantId")?,
            subscription_id: f.string("subscriptionId")?,
            aad_client_id: f.string("aadClientId")?,
            aad_client_secret: f.string("aadClientSecret")?.filter(|s| !s.is_empty()).map(Secret),
            aad_client_cert_path: f.string("aadClientCertPath")?,
            aad_client_cert_password: f.string("aadClientCertPassword")?.filter(|s| !s.is_empty()).map(Secret),
            use_managed_identity_extension: f.boolean("useManagedIdentityExtension")?,
            user_assigned_identity_id: f.string("userAssignedIdentityID")?,
            aad_federated_token_file: f.string("aadFederatedTokenFile")?,
            use_federated_workload_identity_extension: f.boolean("useFederatedWorkloadIdentityExtension")?,
            use_instance_metadata: f.boolean("useInstanceMetadata")?,
            resource_group: f.string("resourceGroup")?,
            network_resource_subscription_id: f
                .string("networkResourceSubscriptionID")?
                .filter(|s| !s.trim().is_empty()),
            location: f.string("location")?,
            vnet_name: f.string("vnetName")?,
            vnet_resource_group: f.string("vnetResourceGroup")?,
            subnet_name: f.string("subnetName")?,
            security_group_name: f.string("securityGroupName")?,
            route_table_name: f.string("routeTableName")?,
            route_table_resource_group: f.string("routeTableResourceGroup")?,
            vm_type: f.string("vmType")?,
            load_balancer_sku: f.string("loadBalancerSku")?,
            load_balancer_name: f.string("loadBalancerName")?,
            multiple_standard_load_balancers: f.names("multipleStandardLoadBalancerConfigurations")?,
            maximum_load_balancer_rule_count: f.integer("maximumLoadBalancerRuleCount")?,
            exclude_master_from_standard_lb: f.boolean("excludeMasterFromStandardLB")?,
            load_balancer_backend_pool_configuration_type: f.string("loadBalancerBackendPoolConfigurationType")?,
            cloud_provider_rate_limit: f.boolean("cloudProviderRateLimit")?,
            cloud_provider_rate_limit_qps: f.number("cloudProviderRateLimitQPS")?,
            cloud_provider_rate_limit_bucket: f.integer("cloudProviderRateLimitBucket")?,
            cloud_provider_rate_limit_qps_write: f.number("cloudProviderRateLimitQPSWrite")?,
            cloud_provider_rate_limit_bucket_write: f.integer("cloudProviderRateLimitBucketWrite")?,
            cloud_provider_backoff: f.boolean("cloudProviderBackoff")?,
            cloud_provider_backoff_retries: f.integer("cloudProviderBackoffRetries")?,
            cloud_provider_backoff_exponent: f.number("cloudProviderBackoffExponent")?,
            cloud_provider_backoff_duration: f.integer("cloudProviderBackoffDuration")?,
            cloud_provider_backoff_jitter: f.number("cloudProviderBackoffJitter")?,
        })
    }
}

fn syntax_kind(e: &serde_json::Error) -> String {
    // Keep serde_json's wording but drop its own position suffix.
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Typed, tolerant access to the top-level fields; errors say which field
/// and where, without quoting its value.
struct Fields<'a> {
    o: &'a Map<String, Value>,
    text: &'a str,
}

impl Fields<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        // Go's encoding/json, which the provider uses, matches keys
        // case-insensitively; so do we.
        self.o.get(key).or_else(|| self.o.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
    }

    fn bad(&self, key: &str, want: &str) -> String {
        match locate(self.text, key) {
            Some((l, c)) => format!("line {l}, column {c}: \"{key}\" must be {want}"),
            None => format!("\"{key}\" must be {want}"),
        }
    }

    fn string(&self, key: &str) -> Result<Option<String>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.bad(key, "a string")),
        }
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") || s.is_empty() => Ok(Some(false)),
            Some(_) => Err(self.bad(key, "true or false")),
        }
    }

    /// The `name` of each object in an array field.
    fn names(&self, key: &str) -> Result<Vec<String>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| match i.get("name").or_else(|| i.get("Name")) {
                    Some(Value::String(n)) => Ok(n.clone()),
                    _ => Err(self.bad(key, "a list of objects with a \"name\"")),
                })
                .collect(),
            Some(_) => Err(self.bad(key, "a list")),
        }
    }

    fn number(&self, key: &str) -> Result<Option<f64>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| self.bad(key, "a number")),
            Some(_) => Err(self.bad(key, "a number")),
        }
    }

    fn integer(&self, key: &str) -> Result<Option<i64>, String> {
        match self.number(key)? {
            None => Ok(None),
            Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => Ok(Some(f as i64)),
            Some(_) => Err(self.bad(key, "a whole number")),
        }
    }
}

/// 1-based line and column of the first `"key"` in the text.
fn locate(text: &str, key: &str) -> Option<(usize, usize)> {
    let needle = format!("\"{key}\"");
    let lower = text.to_ascii_lowercase();
    let at = lower.find(&needle.to_ascii_lowercase())?;
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map(|i| at - i).unwrap_or(at + 1);
    Some((line, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
    "cloud": "AzurePublicCloud",
    "tenantId": "72f988bf-0000-0000-0000-000000000000",
    "subscriptionId": "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    "aadClientId": "11111111-2222-3333-4444-555555555555",
    "aadClientSecret": "s3cr3t-v@lue",
    "resourceGroup": "MC_rg",
    "networkResourceSubscriptionID": "9a8b7c6d-0000-4000-8000-000000000001",
    "location": "westeurope",
    "vmType": "vmss",
    "useManagedIdentityExtension": "false",
    "useInstanceMetadata": true,
    "loadBalancerSku": "Standard",
    "maximumLoadBalancerRuleCount": 250,
    "cloudProviderRateLimit": true,
    "cloudProviderRateLimitQPS": 10,
    "cloudProviderRateLimitBucket": 100,
    "cloudProviderBackoffJitter": 1.0,
    "someFutureField": {"x": 1}
}"#;

    #[test]
    fn parses_every_field_tolerantly() {
        let c = CloudConfig::parse(SAMPLE).unwrap();
        assert_eq!(c.cloud.as_deref(), Some("AzurePublicCloud"));
        assert_eq!(c.resource_group.as_deref(), Some("MC_rg"));
        assert_eq!(c.network_resource_subscription_id.as_deref(), Some("9a8b7c6d-0000-4000-8000-000000000001"));
        assert_eq!(c.use_managed_identity_extension, Some(false));
        assert_eq!(c.use_instance_metadata, Some(true));
        assert_eq!(c.max_lb_rules(), 250);
        assert_eq!(c.cloud_provider_rate_limit_qps, Some(10.0));
        assert_eq!(c.aad_client_secret.as_ref().map(Secret::expose), Some("s3cr3t-v@lue"));
        assert_eq!(CloudConfig::parse("{}").unwrap().max_lb_rules(), 250);
    }

    #[test]
    fn the_secret_never_prints_or_serializes() {
        let c = CloudConfig::parse(SAMPLE).unwrap();
        let debug = format!("{c:?}");
        let json = serde_json::to_string(&c).unwrap();
        for text in [&debug, &json] {
            assert!(!text.contains("s3cr3t"), "secret leaked: {text}");
        }
        assert!(debug.contains("redacted"));
    }

    #[test]
    fn errors_name_the_position_and_never_the_value() {
        let e = CloudConfig::parse("{\n  \"cloud\": \"AzurePublicCloud\",\n  \"tenantId\" \"x\"\n}").unwrap_err();
        assert!(e.starts_with("line 3, column"), "{e}");
        let e = CloudConfig::parse("{\n \"aadClientSecret\": \"s3cr3t\",\n \"useInstanceMetadata\": \"s3cr3t\"\n}")
            .unwrap_err();
        assert!(e.contains("line 3, column 2") && e.contains("useInstanceMetadata"), "{e}");
        assert!(!e.contains("s3cr3t"), "{e}");
        let e = CloudConfig::parse("{\"aadClientSecret\": 5}").unwrap_err();
        assert!(e.contains("aadClientSecret") && !e.contains('5'), "{e}");
        assert!(CloudConfig::parse("[]").is_err());
        let e = CloudConfig::parse("{\"cloud\": ").unwrap_err();
        assert!(e.contains("end of file"), "{e}");
    }

    #[test]
    fn multiple_standard_load_balancer_names() {
        let c = CloudConfig::parse(
            r#"{"multipleStandardLoadBalancerConfigurations": [{"name": "kubernetes", "primaryVMSet": "a"}, {"name": "lb2"}]}"#,
        )
        .unwrap();
        assert_eq!(c.multiple_standard_load_balancers, vec!["kubernetes".to_string(), "lb2".to_string()]);
        let e = CloudConfig::parse(r#"{"multipleStandardLoadBalancerConfigurations": [{"primaryVMSet": "a"}]}"#)
            .unwrap_err();
        assert!(e.contains("multipleStandardLoadBalancerConfigurations"), "{e}");
    }
}
