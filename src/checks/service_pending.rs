//! `service-lb-pending`: a LoadBalancer Service without an ingress IP (the
//! source guide's "LoadBalancer Service 一直处于 pending 状态"). The likely
//! cause is taken from what else was found: a load balancer at its frontend
//! quota, an expired service principal, a virtual-kubelet node that is not
//! excluded ("instance not found"), a public IP that exists for the Service
//! but has no frontend, or an `azure-pip-name` IP that is missing or sits in
//! another resource group.

use super::context::{PIP_NAME_ANNOTATIONS, RG_ANNOTATION};
use super::ownership::service_tag;
use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::models::cluster::Service;
use crate::snapshot::{ClusterKind, ListKind};

/// LoadBalancer Services without an address, diagnosed from the other
/// checks' findings (so it runs last).
pub const CHECK: Check = Check {
    name: "service-pending",
    audit: Audit::Check,
    emits: &[Emits::new(Kind::ServiceLbPending).cluster(&[ClusterKind::Services])],
    enabled: super::always,
    run: |i| check(i.ctx, i.prior),
};

pub fn check(ctx: &Ctx, prior: &[Box<Finding>]) -> Verdicts {
    let mut v = Verdicts::default();
    for s in &ctx.cluster.services {
        if !s.is_load_balancer() || !s.ingress.is_empty() || s.deleting || s.load_balancer_class.is_some() {
            continue;
        }
        let causes = causes(ctx, s, prior);
        let reason = if causes.is_empty() {
            format!(
                "LoadBalancer Service {} has no external IP yet, and nothing visible from the APIs explains it: read its events (kubectl describe service) and the cloud controller's log",
                s.key()
            )
        } else {
            format!("LoadBalancer Service {} has no external IP; likely cause: {}", s.key(), causes.join("; "))
        };
        let name = s.key();
        v.findings.push(
            Finding::new(
                Kind::ServiceLbPending,
                Severity::Critical,
                format!("kubernetes://{}/namespaces/{}/services/{}", ctx.cluster_name, s.namespace, s.name),
                &name,
                reason,
            )
            .with("causes", serde_json::json!(causes))
            .service(Some(name.clone())),
        );
    }
    v
}

fn causes(ctx: &Ctx, s: &Service, prior: &[Box<Finding>]) -> Vec<String> {
    let mut out = Vec::new();
    let snap = ctx.snap;
    for f in prior {
        match f.kind {
            Kind::QuotaFrontendIp if f.severity == Severity::Critical => {
                let ours = f
                    .resource_id
                    .resource_group()
                    .is_some_and(|rg| ctx.rg_owner(None, rg) == super::context::Owner::Ours);
                if ours {
                    out.push(format!("{} — no room for another frontend", f.reason));
                }
            }
            Kind::SpCredentialExpired | Kind::SpNoValidCredential => {
                let cluster_app = f
                    .evidence
                    .get("sources")
                    .as_ref()
                    .and_then(|s| s.as_array())
                    .is_some_and(|s| s.iter().any(|x| x.as_str().is_some_and(|x| x.starts_with("cloud-config"))))
                    || f.evidence.contains_key("error");
                if cluster_app {
                    out.push(format!("the cluster's service principal cannot sign in: {}", f.reason));
                }
            }
            Kind::VirtualNodeNotExcluded => out.push(format!(
                "virtual-kubelet node {} is not excluded from load balancers, so ensuring the load balancer fails with \"instance not found\"",
                f.name
            )),
            _ => {}
        }
    }
    // A public IP made for this Service that no frontend uses: neither the
    // IP's own `ipConfiguration` nor any load-balancer frontend's
    // `publicIPAddress` points at the other.
    let base = s.base_name();
    let own_name = format!("{}-{base}", ctx.cluster_name);
    let fronted: std::collections::HashSet<String> = snap
        .azure
        .load_balancers
        .iter()
        .flat_map(|lb| &lb.properties.frontends)
        .filter_map(|fe| fe.properties.public_ip_address.as_ref())
        .map(|r| r.id.key())
        .collect();
    for pip in &snap.azure.public_ips {
        let tagged = service_tag(pip).is_some_and(|(_, v)| v.split(',').any(|x| x.trim() == s.key()));
        let unused = pip.properties.ip_configuration.is_none() && !fronted.contains(&pip.id.key());
        if (tagged || pip.name.eq_ignore_ascii_case(&own_name)) && unused {
            out.push(format!("public IP {} exists for the Service but no load-balancer frontend uses it", pip.name));
        }
    }
    // The IP the Service names: missing, or somewhere the provider will not look.
    for a in PIP_NAME_ANNOTATIONS {
        let Some(want) = s.azure_annotation(a).filter(|n| !n.is_empty()) else { continue };
        let found: Vec<_> = snap.azure.public_ips.iter().filter(|p| p.name.eq_ignore_ascii_case(want)).collect();
        if found.is_empty() {
            let complete = snap.lists.iter().filter(|l| l.kind == ListKind::PublicIps).all(|l| l.complete);
            if complete {
                out.push(format!(
                    "the public IP its {a} annotation names, {want}, does not exist in the resource groups read"
                ));
            }
            continue;
        }
        let rg_wanted =
            s.azure_annotation(RG_ANNOTATION).map(str::to_string).or_else(|| ctx.node_rg.map(str::to_string));
        if let Some(rg_wanted) = rg_wanted
            && !found.iter().any(|p| p.id.resource_group().is_some_and(|g| g.eq_ignore_ascii_case(&rg_wanted)))
        {
            let rg = found[0].id.resource_group().unwrap_or("?");
            out.push(format!(
                "its {a} IP {want} is in resource group {rg}, but the provider looks in {rg_wanted}: set {RG_ANNOTATION}: {rg}"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    #[test]
    fn pending_services_and_their_causes() {
        let mut s = snap();
        let mut a = lb_svc("shop", "a", UID1, None);
        a.annotations.insert("service.beta.kubernetes.io/azure-pip-name".into(), "missing-ip".into());
        s.cluster.services.push(a);
        let b = lb_svc("shop", "b", UID2, None);
        s.azure.public_ips.push(pip(
            &format!("kubernetes-{}", b.base_name()),
            &[("k8s-azure-service", "shop/b")],
            "20.0.0.1",
            None,
        ));
        s.cluster.services.push(b);
        s.cluster.services.push(lb_svc("shop", "ok", "2b1c2d3e-4f50-6172-8394-a5b6c7d8e9f2", Some("20.0.0.2")));
        let quota = Finding::new(
            Kind::QuotaFrontendIp,
            Severity::Critical,
            id("Microsoft.Network/loadBalancers", "kubernetes"),
            "kubernetes",
            "frontends of load balancer kubernetes: 10 of 10",
        );
        let v = check(&Ctx::new(&s), &[Box::new(quota)]);
        assert_eq!(v.findings.len(), 2);
        let a = &v.findings[0];
        assert!(a.reason.contains("missing-ip, does not exist"), "{}", a.reason);
        assert!(a.reason.contains("10 of 10"), "{}", a.reason);
        let b = &v.findings[1];
        assert!(b.reason.contains("exists for the Service but no load-balancer frontend uses it"), "{}", b.reason);
        assert_eq!(b.severity, Severity::Critical);
    }

    #[test]
    fn an_ip_a_frontend_points_at_is_not_called_unused() {
        // Read from JSON as Azure writes it: the frontend's reference is
        // `publicIPAddress`, and the IP's `ipConfiguration` may lag behind.
        let mut s = snap();
        let svc = lb_svc("shop", "b", UID2, None);
        let name = format!("kubernetes-{}", svc.base_name());
        let ip = pip(&name, &[("k8s-azure-service", "shop/b")], "20.0.0.1", None);
        let ip_id = ip.id.to_string();
        s.azure.public_ips.push(ip);
        s.cluster.services.push(svc);
        let v = check(&Ctx::new(&s), &[]);
        assert!(v.findings[0].reason.contains("no load-balancer frontend uses it"), "{}", v.findings[0].reason);
        s.azure.load_balancers.push(lb(
            "kubernetes",
            json!({"frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": ip_id}}}]}),
        ));
        let v = check(&Ctx::new(&s), &[]);
        assert!(!v.findings[0].reason.contains("no load-balancer frontend uses it"), "{}", v.findings[0].reason);
    }
}
