//! Reading a live cluster with kube-rs: kubeconfig (`--kubeconfig`,
//! `--context`, `KUBECONFIG`, `~/.kube/config`) or the in-cluster service
//! account, then Services, Nodes, PersistentVolumes and (when the snapshot
//! CRDs are installed) VolumeSnapshotContents with `limit`/`continue`
//! paging, and `/version`.
//!
//! Needs a ClusterRole with `get`/`list` on services, nodes,
//! persistentvolumes and volumesnapshotcontents (see
//! `deploy/kubernetes/rbac.yaml`). A 403, a timeout
//! or an expired continue token marks that list incomplete and names it.

use super::convert;
use super::wire::Object;
use crate::snapshot::{ClusterKind, ClusterList, ClusterSource, ClusterView};
use crate::text::one_line;
use backon::BackoffBuilder;
use k8s_openapi::api::core::v1 as core;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::path::Path;
use std::time::Duration;
use tracing::{debug, info, warn};

/// The CSI snapshot API group.
const SNAPSHOT_GROUP: &str = "snapshot.storage.k8s.io";

/// `snapshot.storage.k8s.io/v1` VolumeSnapshotContents (cluster-scoped).
fn snapshot_contents() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(SNAPSHOT_GROUP, "v1", "VolumeSnapshotContent"),
        "volumesnapshotcontents",
    )
}

/// Transient failures (429, 5xx, timeouts, resets) are retried this often.
const ATTEMPTS: usize = 3;

/// Build a client from the configured source, without contacting the server.
pub async fn connect(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
    timeout: Duration,
) -> Result<(Client, ClusterSource), String> {
    let opts = KubeConfigOptions { context: context.map(str::to_string), ..Default::default() };
    let from_file = |kc: Kubeconfig, what: String| async move {
        let ctx = opts.context.clone().or_else(|| kc.current_context.clone());
        let cfg = Config::from_custom_kubeconfig(kc, &opts)
            .await
            .map_err(|e| format!("cannot use {what}: {}", one_line(&e.to_string())))?;
        Ok::<_, String>((cfg, ctx))
    };
    let (mut cfg, ctx, via) = match kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path)
                .map_err(|e| format!("cannot read kubeconfig {}: {}", path.display(), one_line(&e.to_string())))?;
            let (cfg, ctx) = from_file(kc, format!("kubeconfig {}", path.display())).await?;
            (cfg, ctx, "kubeconfig")
        }
        None => match Kubeconfig::read() {
            Ok(kc) => {
                let (cfg, ctx) = from_file(kc, "the kubeconfig (KUBECONFIG or ~/.kube/config)".into()).await?;
                (cfg, ctx, "kubeconfig")
            }
            Err(kerr) if context.is_none() && std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() => {
                debug!("no kubeconfig ({kerr}); using the in-cluster service account");
                let cfg = Config::incluster()
                    .map_err(|e| format!("cannot use the in-cluster config: {}", one_line(&e.to_string())))?;
                (cfg, None, "in-cluster")
            }
            Err(kerr) => {
                let why = match (std::env::var_os("KUBECONFIG"), std::env::home_dir()) {
                    (None, Some(home)) if !home.join(".kube/config").exists() => {
                        format!("KUBECONFIG is unset and {} does not exist", home.join(".kube/config").display())
                    }
                    _ => one_line(&kerr.to_string()),
                };
                return Err(format!(
                    "no cluster to audit: no kubeconfig ({why}) and not running in a pod; give --kubeconfig or --context, --cluster-file FILE (kubectl get services,nodes,persistentvolumes -A -o json), or --no-cluster for Azure-only checks"
                ));
            }
        },
    };
    cfg.read_timeout = Some(timeout);
    cfg.connect_timeout = Some(timeout.min(Duration::from_secs(10)));
    let server = cfg.cluster_url.to_string().trim_end_matches('/').to_string();
    // Credentials go only over TLS, or to this machine.
    if cfg.cluster_url.scheme_str() == Some("http") {
        let loopback = url::Url::parse(&server).is_ok_and(|u| crate::endpoint::is_loopback(&u));
        if !loopback {
            return Err(format!(
                "refusing the Kubernetes API server {server}: plain http is allowed only on loopback, and the cluster's credentials must not travel in cleartext; use its https address"
            ));
        }
    }
    let client = Client::try_from(cfg)
        .map_err(|e| format!("cannot set up the Kubernetes client for {server}: {}", one_line(&e.to_string())))?;
    Ok((client, ClusterSource::Live { server, context: ctx, via: via.into() }))
}

/// List everything the audits need. Never fails: failures are recorded.
pub async fn collect(client: &Client, source: ClusterSource, page_size: u32) -> ClusterView {
    let mut view = ClusterView { source, ..Default::default() };
    // The reads are independent: run them at the same time.
    let contents_path = format!("/apis/{SNAPSHOT_GROUP}/v1/volumesnapshotcontents");
    let (version, services, nodes, pvs, contents) = tokio::join!(
        with_retries("version", || client.apiserver_version()),
        list_all(client, "/api/v1/services", ClusterKind::Services, page_size, convert::service),
        list_all(client, "/api/v1/nodes", ClusterKind::Nodes, page_size, convert::node),
        list_all(
            client,
            "/api/v1/persistentvolumes",
            ClusterKind::PersistentVolumes,
            page_size,
            convert::persistent_volume
        ),
        list_all(
            client,
            &contents_path,
            ClusterKind::VolumeSnapshotContents,
            page_size,
            convert::volume_snapshot_content
        ),
    );
    let (version, record) = version.map_or_else(
        |e| (None, ClusterList { kind: ClusterKind::Version, complete: false, pages: 0, items: 0, error: Some(e) }),
        |v| {
            (
                Some(v.git_version),
                ClusterList { kind: ClusterKind::Version, complete: true, pages: 1, items: 1, error: None },
            )
        },
    );
    view.server_version = version;
    view.lists.push(record);
    (view.services, view.nodes, view.persistent_volumes) = (services.0, nodes.0, pvs.0);
    view.lists.extend([services.1, nodes.1, pvs.1]);
    view.volume_snapshot_contents = contents.0;
    let mut record = contents.1;
    if record.error.as_deref().is_some_and(|e| e.starts_with("list failed: HTTP 404")) {
        record.error = Some(format!("not read: the snapshot CRDs ({SNAPSHOT_GROUP}/v1) are not installed"));
    }
    view.lists.push(record);
    for l in &view.lists {
        match &l.error {
            None => info!(kind = l.kind.name(), pages = l.pages, items = l.items, "cluster list complete"),
            Some(e) => warn!(kind = l.kind.name(), "cluster list incomplete: {e}"),
        }
    }
    view
}

/// Check access without reading everything: `/version`, then one item of
/// each list. For `azaudit whoami`.
pub async fn probe(client: &Client) -> (Result<String, String>, Vec<(ClusterKind, Result<(), String>)>) {
    let version = with_retries("version", || client.apiserver_version()).await.map(|v| v.git_version);
    let lp = ListParams::default().limit(1);
    let mut access = Vec::new();
    let services = Api::<core::Service>::all(client.clone());
    let r = with_retries("services", || services.list(&lp)).await;
    access.push((ClusterKind::Services, r.map(|_| ())));
    let nodes = Api::<core::Node>::all(client.clone());
    let r = with_retries("nodes", || nodes.list(&lp)).await;
    access.push((ClusterKind::Nodes, r.map(|_| ())));
    let pvs = Api::<core::PersistentVolume>::all(client.clone());
    let r = with_retries("persistentvolumes", || pvs.list(&lp)).await;
    access.push((ClusterKind::PersistentVolumes, r.map(|_| ())));
    let contents = Api::<DynamicObject>::all_with(client.clone(), &snapshot_contents());
    let r = with_retries("volumesnapshotcontents", || contents.list(&lp)).await;
    access.push((ClusterKind::VolumeSnapshotContents, r.map(|_| ())));
    (version, access)
}

/// Page through one list (`path`, e.g. `/api/v1/nodes`), keeping of each
/// page only what `convert` takes: objects are read straight into the
/// slim [`wire`](super::wire) shape, never into full API types, and a page
/// is dropped before the next is asked for. A 410 (continue token expired)
/// restarts the list once from the beginning, since a continued list would
/// be inconsistent; a second expiry, or any other failure, leaves it
/// incomplete.
async fn list_all<T>(
    client: &Client,
    path: &str,
    kind: ClusterKind,
    page_size: u32,
    convert: fn(Object) -> T,
) -> (Vec<T>, ClusterList) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut restarted = false;
    let mut cont: Option<String> = None;
    loop {
        let mut uri = format!("{path}?limit={page_size}");
        if let Some(c) = &cont {
            uri.push_str("&continue=");
            uri.extend(url::form_urlencoded::byte_serialize(c.as_bytes()));
        }
        let page = with_retries(kind.name(), || {
            let req = http::Request::get(uri.as_str()).body(Vec::new());
            async move {
                let req = req.map_err(|e| kube::Error::BuildRequest(kube::core::request::Error::BuildRequest(e)))?;
                client.request::<Object>(req).await
            }
        })
        .await;
        match page {
            Ok(mut list) => {
                pages += 1;
                items.extend(list.items.take().unwrap_or_default().into_iter().map(convert));
                cont = list.metadata.continue_.filter(|c| !c.is_empty());
                if cont.is_none() {
                    let n = items.len();
                    return (items, ClusterList { kind, complete: true, pages, items: n, error: None });
                }
            }
            Err(e) if e.starts_with("HTTP 410") && cont.is_some() && !restarted => {
                warn!("{}: continue token expired after {pages} pages; listing again from the start", kind.name());
                restarted = true;
                items.clear();
                cont = None;
            }
            Err(e) => {
                let n = items.len();
                let error = if cont.is_some() {
                    format!("cut short after {pages} pages ({n} items): {e}")
                } else {
                    format!("list failed: {e}")
                };
                return (items, ClusterList { kind, complete: false, pages, items: n, error: Some(error) });
            }
        }
    }
}

/// Run one request, retrying transient failures with backon's exponential
/// backoff (honouring a Status' `retryAfterSeconds`, capped at 10 s).
async fn with_retries<T, F, Fut>(what: &str, mut f: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, kube::Error>>,
{
    let mut delays = backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(300))
        .with_max_delay(Duration::from_secs(5))
        .with_max_times(ATTEMPTS - 1)
        .with_jitter()
        .build();
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let transient = is_transient(&e);
                let msg = describe(&e, what);
                match delays.next() {
                    Some(d) if transient => {
                        let d = retry_after(&e).map_or(d, |ra| ra.max(d));
                        debug!("{what}: {msg}; retrying in {d:?}");
                        tokio::time::sleep(d).await;
                    }
                    _ => return Err(msg),
                }
            }
        }
    }
}

fn is_transient(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => matches!(s.code, 429 | 500 | 502 | 503 | 504),
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::SerdeError(_) => true,
        _ => false,
    }
}

fn retry_after(e: &kube::Error) -> Option<Duration> {
    match e {
        kube::Error::Api(s) => s
            .details
            .as_ref()
            .map(|d| d.retry_after_seconds)
            .filter(|s| *s > 0)
            .map(|s| Duration::from_secs(u64::from(s).min(10))),
        _ => None,
    }
}

/// One line naming the HTTP status and the server's message, with the
/// RBAC fix for a 403.
fn describe(e: &kube::Error, what: &str) -> String {
    match e {
        kube::Error::Api(s) => {
            let mut m = format!("HTTP {} {}: {}", s.code, s.reason, one_line(&s.message));
            if s.code == 403 {
                m.push_str(&format!(
                    " (azaudit needs get/list on {what}: apply deploy/kubernetes/rbac.yaml or an equivalent ClusterRole)"
                ));
            }
            if s.code == 410 {
                m.push_str(" (the continue token expired)");
            }
            m
        }
        other => one_line(&other.to_string()),
    }
}
