//! Turning global flags, the cloud-config file and instance metadata into a
//! ready ARM client: cloud and endpoint selection, scope discovery,
//! credential choice. Nothing here reads ARM; [`super::collect`] signs in
//! once and reads.

use crate::arm::{ArmClient, ClientSettings};
use crate::auth::{self, AuthSettings, Chosen, Imds};
use crate::cli::GlobalArgs;
use crate::cloud::Cloud;
use crate::cloud_config::{self, CloudConfig};
use crate::collect::cluster::{ClusterInput, ClusterSettings};
use crate::collect::imds;
use crate::endpoint::parse_endpoint;
use crate::error::Fatal;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use url::Url;

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    CloudConfig,
    InstanceMetadata,
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Flag => "flag or environment",
            Source::CloudConfig => "cloud-config",
            Source::InstanceMetadata => "instance metadata",
            Source::Default => "default",
        })
    }
}

/// Where the subscriptions come from when they are not given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Discover {
    /// Every subscription the identity can read.
    All,
    /// Every subscription under these management groups.
    Groups(Vec<String>),
}

/// What the run will talk to and as whom, before any ARM call.
pub struct Resolved {
    pub cloud: (Cloud, Source),
    pub arm_endpoint: Url,
    pub graph_endpoint: Url,
    pub subscriptions: (Vec<String>, Source),
    /// Subscriptions to be found after sign-in instead of given.
    pub discover: Option<Discover>,
    pub resource_groups: (Vec<String>, Source),
    pub location: Option<(String, Source)>,
    pub cloud_config: Option<CloudConfig>,
    pub instance: Option<imds::Compute>,
    pub credential: Chosen,
}

impl Resolved {
    /// The scope a snapshot of this run records.
    pub fn scope(&self) -> crate::snapshot::Scope {
        crate::snapshot::Scope {
            subscriptions: self.subscriptions.0.clone(),
            resource_groups: self.resource_groups.0.clone(),
            arm_endpoint: self.arm_endpoint.as_str().trim_end_matches('/').to_string(),
            discovery: Vec::new(),
        }
    }
}

/// The cluster collector's settings from the global flags: the first (or
/// only) cluster view.
pub fn cluster_settings(g: &GlobalArgs) -> ClusterSettings {
    let input = if g.no_cluster {
        ClusterInput::Skip
    } else if !g.cluster_files.is_empty() {
        let views = tagged_files(&g.cluster_files);
        ClusterInput::Files(views.into_iter().next().map(|(_, f)| f).unwrap_or_default())
    } else {
        ClusterInput::Live { kubeconfig: g.kubeconfig.clone(), context: g.contexts.first().cloned() }
    };
    ClusterSettings {
        input,
        name: g.cluster_name.clone(),
        page_size: g.cluster_page_size,
        request_timeout: g.request_timeout,
    }
}

/// A fleet run's views: each `--context`, or each name cluster files were
/// tagged with (`NAME=FILE`), labelled. Empty for one cluster. The first is
/// the view [`cluster_settings`] reads.
pub fn fleet_settings(g: &GlobalArgs) -> Vec<(String, ClusterSettings)> {
    let base = cluster_settings(g);
    let views: Vec<(String, ClusterInput)> = if g.no_cluster {
        Vec::new()
    } else if !g.cluster_files.is_empty() {
        tagged_files(&g.cluster_files).into_iter().map(|(label, files)| (label, ClusterInput::Files(files))).collect()
    } else {
        g.contexts
            .iter()
            .map(|c| (c.clone(), ClusterInput::Live { kubeconfig: g.kubeconfig.clone(), context: Some(c.clone()) }))
            .collect()
    };
    if views.len() < 2 {
        return Vec::new();
    }
    views.into_iter().map(|(label, input)| (label, ClusterSettings { input, ..base.clone() })).collect()
}

/// Cluster files grouped by the name they are tagged with (`NAME=FILE`;
/// untagged ones are `default`), in the order first given. A tag is a
/// name of letters, digits, `-`, `_` and `.` before the first `=`, and
/// only when no file has the whole argument as its path.
pub fn tagged_files(files: &[PathBuf]) -> Vec<(String, Vec<PathBuf>)> {
    let mut out: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for f in files {
        let raw = f.to_string_lossy();
        let tag = raw.split_once('=').filter(|(name, path)| {
            !name.is_empty()
                && !path.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                && !f.exists()
        });
        let (label, path) = match tag {
            Some((name, path)) => (name.to_string(), PathBuf::from(path)),
            None => ("default".to_string(), f.clone()),
        };
        match out.iter_mut().find(|(l, _)| *l == label) {
            Some((_, v)) => v.push(path),
            None => out.push((label, vec![path])),
        }
    }
    out
}

fn load_cloud_config(g: &GlobalArgs) -> Result<Option<CloudConfig>, Fatal> {
    if g.no_cloud_config {
        return Ok(None);
    }
    match &g.cloud_config {
        Some(p) => Ok(Some(CloudConfig::load(p)?)),
        None if Path::new(cloud_config::DEFAULT_PATH).exists() => {
            Ok(Some(CloudConfig::load(Path::new(cloud_config::DEFAULT_PATH))?))
        }
        None => Ok(None),
    }
}

/// Resolve settings without contacting ARM (IMDS may be asked).
pub async fn resolve(g: &GlobalArgs) -> Result<Resolved, Fatal> {
    resolve_with_env(g, auth::env_snapshot()).await
}

/// [`resolve`] with the credential environment given instead of read from
/// the process (the embedded demo points managed identity at its mock).
pub async fn resolve_with_env(g: &GlobalArgs, env: HashMap<String, String>) -> Result<Resolved, Fatal> {
    let cfg = load_cloud_config(g)?;
    let imds_base = imds::endpoint(std::env::var("AZAUDIT_IMDS_ENDPOINT").ok().as_deref())?;
    let use_imds = g.use_instance_metadata || cfg.as_ref().and_then(|c| c.use_instance_metadata) == Some(true);
    let instance = if use_imds { Some(imds::discover(&imds_base, imds::TIMEOUT).await?) } else { None };

    let cloud = if let Some(c) = g.cloud {
        (c, Source::Flag)
    } else if let Some(name) = cfg.as_ref().and_then(|c| c.cloud.clone()).filter(|n| !n.is_empty()) {
        match Cloud::from_name(&name) {
            Some(c) => (c, Source::CloudConfig),
            None if g.arm_endpoint.is_some() => (Cloud::AzurePublicCloud, Source::Default),
            None => {
                return Err(Fatal(format!(
                    "the cloud-config names cloud '{name}', which azaudit does not know; give --cloud, or --arm-endpoint for Azure Stack and private clouds"
                )));
            }
        }
    } else if let Some(c) = instance.as_ref().and_then(|i| Cloud::from_name(&i.az_environment)) {
        (c, Source::InstanceMetadata)
    } else {
        (Cloud::AzurePublicCloud, Source::Default)
    };
    let arm_endpoint = match &g.arm_endpoint {
        Some(raw) => parse_endpoint("--arm-endpoint", raw)?,
        None => parse_endpoint("cloud ARM endpoint", cloud.0.arm_endpoint())?,
    };
    let graph_endpoint = match &g.graph_endpoint {
        Some(raw) => parse_endpoint("--graph-endpoint", raw)?,
        None => parse_endpoint("cloud Graph endpoint", cloud.0.graph_endpoint())?,
    };

    let from_cfg = |f: fn(&CloudConfig) -> &Option<String>| cfg.as_ref().and_then(|c| f(c).as_deref());
    let discover = if g.all_subscriptions {
        Some(Discover::All)
    } else if !g.management_groups.is_empty() {
        Some(Discover::Groups(dedup(&g.management_groups)))
    } else {
        None
    };
    // Discovered subscriptions are found after sign-in; the cloud-config's
    // and this VM's own subscription and resource group do not narrow them
    // (only -g does).
    let (subscriptions, resource_groups) = if discover.is_some() {
        ((Vec::new(), Source::Default), first_of(dedup(&g.resource_groups), None, None))
    } else {
        let subscriptions = first_of(
            dedup(&g.subscriptions),
            from_cfg(|c| &c.subscription_id),
            instance.as_ref().map(|i| i.subscription_id.as_str()),
        );
        let resource_groups = first_of(
            dedup(&g.resource_groups),
            from_cfg(|c| &c.resource_group),
            instance.as_ref().map(|i| i.resource_group_name.as_str()),
        );
        (subscriptions, resource_groups)
    };
    let location = match first_of(Vec::new(), from_cfg(|c| &c.location), instance.as_ref().map(|i| i.location.as_str()))
    {
        (mut v, src) if !v.is_empty() => Some((v.remove(0), src)),
        _ => None,
    };
    for s in &subscriptions.0 {
        if s.contains(['/', '?', '#']) {
            return Err(Fatal(format!("subscription '{s}' is not a subscription ID")));
        }
    }
    for rg in &resource_groups.0 {
        if rg.contains(['/', '?', '#']) {
            return Err(Fatal(format!("resource group '{rg}' is not a resource group name")));
        }
    }

    let timeout = std::time::Duration::from_secs(15);
    let settings = AuthSettings {
        mode: g.auth,
        identity_client_id: g.identity_client_id.clone(),
        cloud: cloud.0,
        cloud_config: cfg.clone(),
        env,
        imds: if instance.is_some() {
            Imds::Known(true)
        } else {
            Imds::Probe(Arc::new(move || {
                let base = imds_base.clone();
                Box::pin(async move { imds::discover(&base, imds::PROBE_TIMEOUT).await.is_ok() })
            }))
        },
        transport: Arc::new(auth::transport::ReqwestTransport::new(crate::http::client(timeout)?)),
        local_transport: Arc::new(auth::transport::ReqwestTransport::new(crate::http::local_client(timeout)?)),
        cli_executor: None,
    };
    let credential = auth::choose(&settings).await?;
    Ok(Resolved {
        cloud,
        arm_endpoint,
        graph_endpoint,
        subscriptions,
        discover,
        resource_groups,
        location,
        cloud_config: cfg,
        instance,
        credential,
    })
}

/// Runs that read ARM need a subscription.
pub fn require_subscription(r: &Resolved) -> Result<(), Fatal> {
    if r.subscriptions.0.is_empty() && r.discover.is_none() {
        return Err(Fatal(
            "no subscription to audit: give --subscription ID (or set AZAUDIT_SUBSCRIPTION), --all-subscriptions, --management-group ID, a cloud-config with subscriptionId, or --use-instance-metadata on an Azure VM".into(),
        ));
    }
    Ok(())
}

/// The one rate-limited client for `endpoint` (ARM, or Graph) with the
/// run's credential and the client flags.
pub fn client(g: &GlobalArgs, r: &Resolved, endpoint: Url, scope: String) -> Result<ArmClient, Fatal> {
    let mut settings = ClientSettings::new(endpoint, scope);
    apply_client_flags(&mut settings, g);
    Ok(ArmClient::new(settings, r.credential.credential.clone())?)
}

/// The client flags (rate, reserve, retries, timeouts) onto settings.
fn apply_client_flags(s: &mut ClientSettings, g: &GlobalArgs) {
    s.max_rps = g.max_rps;
    s.reserve_reads = g.reserve_reads;
    s.max_retries = g.max_retries;
    s.retry_budget = g.retry_budget;
    s.request_timeout = g.request_timeout;
    s.deadline = Some(run_deadline(g));
}

/// The instant the run must end by (`--deadline` from the start of the run).
pub fn run_deadline(g: &GlobalArgs) -> tokio::time::Instant {
    static START: std::sync::OnceLock<tokio::time::Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(tokio::time::Instant::now);
    start.checked_add(g.deadline).unwrap_or_else(|| start + crate::cli::MAX_FLAG_DURATION)
}

/// The flag values if any, else the cloud-config's value, else the
/// instance metadata's value (empty strings count as absent).
fn first_of(flag: Vec<String>, cfg: Option<&str>, imds: Option<&str>) -> (Vec<String>, Source) {
    if !flag.is_empty() {
        return (flag, Source::Flag);
    }
    match (cfg.filter(|v| !v.is_empty()), imds.filter(|v| !v.is_empty())) {
        (Some(v), _) => (vec![v.to_string()], Source::CloudConfig),
        (None, Some(v)) => (vec![v.to_string()], Source::InstanceMetadata),
        (None, None) => (Vec::new(), Source::Default),
    }
}

fn dedup(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_string());
        }
    }
    out
}
