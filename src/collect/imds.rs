//! Instance metadata (IMDS) discovery: on an Azure VM, read which
//! subscription, resource group, location and cloud the node is in.
//! `GET /metadata/instance?api-version=2021-02-01` with `Metadata: true`,
//! never through a proxy, failing fast off Azure.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use url::Url;

/// The link-local address of IMDS on every Azure VM.
pub const DEFAULT_ENDPOINT: &str = "http://169.254.169.254";
/// How long to wait before concluding this is not an Azure VM.
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// How long credential selection (`--auth auto`) waits for IMDS before
/// moving on to the Azure CLI.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// The `compute` part of the instance metadata. All values are strings.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Compute {
    pub subscription_id: String,
    pub resource_group_name: String,
    pub location: String,
    pub name: String,
    pub vm_scale_set_name: String,
    pub az_environment: String,
    pub vm_size: String,
}

#[derive(Deserialize)]
struct Instance {
    #[serde(default)]
    compute: Compute,
}

/// The IMDS base URL: `AZAUDIT_IMDS_ENDPOINT` or the link-local default.
/// An override must be https, loopback, or the link-local address itself.
pub fn endpoint(override_: Option<&str>) -> Result<Url, String> {
    match override_ {
        None => Url::parse(DEFAULT_ENDPOINT).map_err(|e| e.to_string()),
        Some(raw) => {
            if let Ok(u) = Url::parse(raw.trim())
                && u.scheme() == "http"
                && u.host_str() == Some("169.254.169.254")
            {
                return Ok(u);
            }
            crate::endpoint::parse_endpoint("AZAUDIT_IMDS_ENDPOINT", raw)
        }
    }
}

/// Read the instance metadata, or explain in one line why not.
pub async fn discover(base: &Url, timeout: Duration) -> Result<Compute, String> {
    let http = crate::http::local_client(timeout)?;
    let url = crate::endpoint::join(base, "/metadata/instance?api-version=2021-02-01")?;
    let resp = http.get(url).header("Metadata", "true").send().await.map_err(|e| {
        format!(
            "the instance metadata service at {} did not answer ({}); azaudit does not seem to run on an Azure VM: give --subscription (and --resource-group) instead of --use-instance-metadata",
            base.as_str().trim_end_matches('/'),
            crate::http::describe(&e)
        )
    })?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(|e| format!("instance metadata: {}", crate::http::describe(&e)))?;
    if status != 200 {
        let (code, msg) = crate::arm::error::parse_error_body(&body, status);
        return Err(format!("instance metadata service answered HTTP {status}: {code} {msg}"));
    }
    let inst: Instance =
        serde_json::from_slice(&body).map_err(|e| format!("instance metadata is not the expected JSON: {e}"))?;
    if inst.compute.subscription_id.is_empty() {
        return Err("instance metadata has no compute.subscriptionId".into());
    }
    Ok(inst.compute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_overrides_are_checked() {
        assert_eq!(endpoint(None).unwrap().as_str(), "http://169.254.169.254/");
        assert!(endpoint(Some("http://127.0.0.1:8080")).is_ok());
        assert!(endpoint(Some("http://169.254.169.254")).is_ok());
        assert!(endpoint(Some("http://10.1.2.3")).is_err());
    }
}
