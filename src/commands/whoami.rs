//! `azaudit whoami`: what azaudit discovered and which credential it uses,
//! then one sign-in attempt, and where the cluster view comes from with a
//! check of each list's RBAC. Never prints a secret or a token.

use super::{Fatal, Outcome};
use crate::auth::{self, SignInError};
use crate::cli::GlobalArgs;
use crate::collect::cluster::{ClusterInput, live};
use crate::collect::settings::{self as context, Resolved};
use crate::snapshot::ClusterView;

pub async fn run(g: &GlobalArgs) -> Result<Outcome, Fatal> {
    let r = context::resolve(g).await?;
    crate::say!("{}", describe(&r).trim_end_matches('\n'));
    let scope = r.cloud.0.arm_scope();
    match auth::sign_in(&r.credential, &scope).await {
        Ok(t) => crate::say!("sign-in:         ok (ARM token valid until {})", t.expires_on),
        Err(e) => {
            crate::say!("sign-in:         FAILED");
            let c = &r.credential;
            return Err(Fatal(match e {
                SignInError::Failed(m) => m,
                SignInError::ExpiredSecret { message, .. } => {
                    format!("could not sign in to Azure with {} ({}) for {scope}: {message}", c.kind, c.source)
                }
            }));
        }
    }
    Ok(if cluster(g).await { Outcome::Clean } else { Outcome::Incomplete })
}

/// Print where the cluster view would come from and, for a live cluster,
/// the server version and whether each list is allowed. False when a
/// configured cluster cannot be read completely.
async fn cluster(g: &GlobalArgs) -> bool {
    let s = context::cluster_settings(g);
    crate::say!("cluster name:    {}", s.name);
    let (kubeconfig, ctx) = match &s.input {
        ClusterInput::Skip => {
            crate::say!("cluster:         not read (--no-cluster)");
            return true;
        }
        ClusterInput::Files(paths) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            crate::say!("cluster:         file {}", names.join(", "));
            return true;
        }
        ClusterInput::Live { kubeconfig, context } => (kubeconfig.as_deref(), context.as_deref()),
    };
    let (client, source) = match live::connect(kubeconfig, ctx, s.request_timeout).await {
        Ok(c) => c,
        Err(e) => {
            crate::say!("cluster:         none ({e})");
            // Not configured at all is not a failure of whoami; a named
            // kubeconfig or context that does not work is.
            return kubeconfig.is_none() && ctx.is_none();
        }
    };
    let view = ClusterView { source, ..Default::default() };
    crate::say!("cluster:         {}", view.describe_source());
    let (version, access) = live::probe(&client).await;
    let mut ok = true;
    match version {
        Ok(v) => crate::say!("kubernetes:      {v}"),
        Err(e) => {
            ok = false;
            crate::say!("kubernetes:      FAILED: {e}");
        }
    }
    for (kind, r) in access {
        match r {
            Ok(()) => crate::say!("{:<17}ok", format!("list {}:", kind.name())),
            // An optional CRD the cluster does not have.
            Err(e) if kind.optional() && e.starts_with("HTTP 404") => {
                crate::say!(
                    "{:<17}not installed (snapshot verdicts are withheld where they matter)",
                    format!("list {}:", kind.name())
                )
            }
            Err(e) => {
                ok = false;
                crate::say!("{:<17}FAILED: {e}", format!("list {}:", kind.name()));
            }
        }
    }
    ok
}

pub fn describe(r: &Resolved) -> String {
    let mut s = String::new();
    let list = |v: &[String]| if v.is_empty() { "(none)".to_string() } else { v.join(", ") };
    s.push_str(&format!("cloud:           {:?} ({})\n", r.cloud.0, r.cloud.1));
    s.push_str(&format!("arm endpoint:    {}\n", r.arm_endpoint.as_str().trim_end_matches('/')));
    s.push_str(&format!("graph endpoint:  {}\n", r.graph_endpoint.as_str().trim_end_matches('/')));
    s.push_str(&format!("subscription:    {} ({})\n", list(&r.subscriptions.0), r.subscriptions.1));
    s.push_str(&format!("resource group:  {} ({})\n", list(&r.resource_groups.0), r.resource_groups.1));
    if let Some((l, src)) = &r.location {
        s.push_str(&format!("location:        {l} ({src})\n"));
    }
    match &r.cloud_config {
        Some(c) => s.push_str(&format!("cloud-config:    {}\n", c.path.display())),
        None => s.push_str("cloud-config:    (none)\n"),
    }
    if let Some(i) = &r.instance {
        let vm = if i.vm_scale_set_name.is_empty() {
            i.name.clone()
        } else {
            format!("{} in scale set {}", i.name, i.vm_scale_set_name)
        };
        s.push_str(&format!("instance:        {vm} ({})\n", i.vm_size));
    }
    let c = &r.credential;
    s.push_str(&format!("credential:      {} from {}\n", c.kind, c.source));
    if let Some(id) = &c.client_id {
        s.push_str(&format!("client id:       {id}\n"));
    }
    for why in &c.skipped {
        s.push_str(&format!("  skipped:       {why}\n"));
    }
    s
}
