//! Who owns a public IP by its tags: the provider's service and
//! cluster-name tags, and whether every Service they name is gone. A fact
//! several checks need (the usage index, public IPs, pending Services), so
//! it lives apart from each of them.

use super::Ctx;
use super::context::{Owner, Uses};
use crate::models::PublicIp;
use crate::snapshot::{ClusterKind, ListKind};

/// Service tag keys: the current one first, then the legacy one.
pub const SERVICE_TAGS: [&str; 2] = ["k8s-azure-service", "service"];
/// Cluster-name tag keys: the current one first, then the legacy one.
pub const CLUSTER_TAGS: [&str; 2] = ["k8s-azure-cluster-name", "kubernetes-cluster-name"];

/// The first service tag present (even empty): (key, value).
pub fn service_tag(pip: &PublicIp) -> Option<(&'static str, &str)> {
    SERVICE_TAGS.iter().find_map(|k| pip.tags.get(k).map(|v| (*k, v)))
}

/// The first cluster-name tag present: (key, value).
pub fn cluster_tag(pip: &PublicIp) -> Option<(&'static str, &str)> {
    CLUSTER_TAGS.iter().find_map(|k| pip.tags.get(k).map(|v| (*k, v)))
}

/// Why a tagged IP's owners are gone: every Service its service tag names
/// is deleted or uses another address (or the tag is empty), it is tagged
/// for this cluster (or not at all), and its resource group is judged.
/// Its texts are the IP's own tag's, borrowed (20,000 IPs in a large
/// subscription each copied them).
pub struct Gone<'p> {
    pub tag_key: &'static str,
    pub tag_value: &'p str,
    pub names: Vec<&'p str>,
    pub reason: String,
}

/// Why the IP's owners by tag are gone, or `None` when they are not (or
/// cannot be judged); the usage index asks [`is_owner_gone`]. Ownership
/// follows the provider's
/// `pkg/provider/azure_publicip_repo.go:serviceOwnsPublicIP` (the service tag,
/// new key then legacy, and the cluster-name tag).
pub fn owner_gone<'p>(ctx: &Ctx, pip: &'p PublicIp) -> Option<Gone<'p>> {
    let (tag_key, tag_value) = judged_service_tag(ctx, pip)?;
    let names: Vec<&str> = tagged_names(tag_value).collect();
    let mut gone = Vec::new();
    let mut moved = Vec::new();
    for &name in &names {
        match ctx.service(name) {
            None => gone.push(name),
            Some(s) => match ctx.uses(s, pip) {
                Uses::Yes(_) | Uses::Pending => return None, // in use by a live Service
                Uses::No(why) => moved.push(why),
            },
        }
    }
    let reason = if names.is_empty() {
        format!(
            "tagged for cluster '{}' with an empty {tag_key} tag: every Service that shared it is gone",
            ctx.cluster_name
        )
    } else if moved.is_empty() {
        format!(
            "Service{} {} no longer exist{}",
            plural(gone.len()),
            gone.join(", "),
            if gone.len() == 1 { "s" } else { "" }
        )
    } else {
        let mut parts = moved;
        if !gone.is_empty() {
            parts.push(format!("{} no longer exist{}", gone.join(", "), if gone.len() == 1 { "s" } else { "" }));
        }
        format!("no live Service uses it: {}", parts.join("; "))
    };
    Some(Gone { tag_key, tag_value, names, reason })
}

/// [`owner_gone`]'s verdict alone, without the reason spelt out: the
/// usage index asks it of every IP, and the check reports a few.
pub fn is_owner_gone(ctx: &Ctx, pip: &PublicIp) -> bool {
    let Some((_, tag_value)) = judged_service_tag(ctx, pip) else { return false };
    tagged_names(tag_value).all(|name| match ctx.service(name) {
        None => true,
        Some(s) => matches!(ctx.uses(s, pip), Uses::No(_)),
    })
}

/// The Services a service tag names (`ns/a, ns/b`), blanks skipped.
fn tagged_names(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// The IP's service tag (key, value), when its owners can be judged: its
/// list is complete, Services were read, it is tagged for this cluster (or
/// for none) and its resource group is this cluster's.
fn judged_service_tag<'p>(ctx: &Ctx, pip: &'p PublicIp) -> Option<(&'static str, &'p str)> {
    if !ctx.covered(ListKind::PublicIps, &pip.id) || ctx.cluster_gap(ClusterKind::Services).is_some() {
        return None;
    }
    let tag = service_tag(pip)?;
    if cluster_tag(pip).is_some_and(|(_, name)| !name.eq_ignore_ascii_case(ctx.cluster_name)) {
        return None; // another cluster's
    }
    if ctx.rg_owner(pip.id.subscription(), pip.id.resource_group().unwrap_or("")) != Owner::Ours {
        return None;
    }
    Some(tag)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
