//! `azaudit whoami`: what azaudit discovered and which credential it uses,
//! then one sign-in attempt. Never prints a secret or a token.

use super::context::{self, Resolved};
use super::{Fatal, Outcome};
use crate::cli::GlobalArgs;

pub async fn run(g: &GlobalArgs) -> Result<Outcome, Fatal> {
    let r = context::resolve(g).await?;
    print!("{}", describe(&r));
    let scope = r.cloud.0.arm_scope();
    match context::sign_in(&r, &scope).await {
        Ok(t) => {
            println!("sign-in:         ok (ARM token valid until {})", t.expires_on);
            Ok(Outcome::Clean)
        }
        Err(Fatal(msg)) => {
            println!("sign-in:         FAILED");
            Err(Fatal(msg))
        }
    }
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
