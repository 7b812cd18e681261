//! What every check needs to know about the snapshot, computed once: which
//! lists are complete, the live Services indexed by UID base name, key and
//! IP, which resource groups belong to this cluster, and the locks.

use crate::findings::LockRef;
use crate::models::cluster::Service;
use crate::models::{PublicIp, ResourceId};
use crate::snapshot::{ClusterKind, ClusterSource, ClusterView, ListKind, Snapshot};
// The per-view indexes are asked once per object or finding: hashed with
// foldhash, not SipHash (which was a fiftieth of an `orphans --from` run).
use foldhash::{HashMap, HashSet as FastSet};
use std::collections::HashSet;

/// Azure Service annotations (short names) that name a public IP.
pub const PIP_NAME_ANNOTATIONS: [&str; 2] = ["azure-pip-name", "azure-pip-name-ipv6"];
/// Azure Service annotations (short names) that give an IP address.
pub const IP_ANNOTATIONS: [&str; 2] = ["azure-load-balancer-ipv4", "azure-load-balancer-ipv6"];
/// The annotation that puts a Service's public IP in another resource group.
pub const RG_ANNOTATION: &str = "azure-load-balancer-resource-group";
/// The annotation listing extra public IPs a Service's NSG rules open
/// (comma-separated addresses; `loadbalancer/configuration.go:AdditionalPublicIPs`).
pub const ADDITIONAL_IPS_ANNOTATION: &str = "azure-additional-public-ips";

/// Whose a resource group is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    Ours,
    /// Another cluster's, and why we know.
    Other(String),
    /// Cannot tell: no verdict.
    Unknown(String),
}

/// Whether a live Service uses a public IP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uses {
    Yes(String),
    /// A LoadBalancer Service still waiting for its IP: assume it does.
    Pending,
    No(String),
}

pub struct Ctx<'a> {
    pub snap: &'a Snapshot,
    /// The cluster view the verdicts are made against (one of a fleet's).
    pub cluster: &'a ClusterView,
    pub cluster_name: &'a str,
    pub node_rg: Option<&'a str>,
    by_base: HashMap<String, &'a Service>,
    by_key: HashMap<String, &'a Service>,
    /// IP address -> Services that use it (ingress, loadBalancerIP, annotations).
    ip_users: HashMap<IpKey, Vec<&'a Service>>,
    /// Lower-cased public IP name -> Services naming it in azure-pip-name.
    pip_name_users: HashMap<String, Vec<&'a Service>>,
    /// Lower-cased resource groups that live Services put IPs in.
    service_rgs: FastSet<String>,
    /// Lower-cased node resource groups of other AKS clusters -> cluster name.
    other_aks: HashMap<String, String>,
    /// Lower-cased resource groups given with `-g`.
    scope_rgs: FastSet<String>,
    /// The subscription this cluster's node resource group is in: where its
    /// nodes' provider IDs say, else the one subscription in scope.
    pub cluster_subscription: Option<String>,
    /// In a fleet run, the other views' node resource groups (with their
    /// subscriptions, lower-cased) and names: theirs to judge, never ours,
    /// whatever `-g` or a Service says.
    others: Vec<(Option<String>, String, String)>,
    coverage: crate::snapshot::Coverage<'a>,
    /// The last coverage answer worked out from an interned head alone:
    /// its kind, the head's address, the answer.
    last_covered: std::cell::Cell<Option<(ListKind, usize, bool)>>,
    /// In a fleet run, the objects this view judges; `None` judges all.
    only: Option<Only>,
}

/// The resource groups one pass of a fleet run judges: a view's own (those
/// it would judge alone: `Ctx::rg_owner` says `Ours`), or, for the pass
/// over what no view owns, the rest. Every other object is another pass's,
/// so each view walks its own objects, not the whole tenant's.
pub struct Only {
    /// (subscription, resource group), lower-cased.
    groups: HashSet<(String, String)>,
    /// Whether the groups are the ones judged or the ones left out.
    judged: bool,
    /// The answer for each interned ID head (an object's subscription and
    /// resource group are in its head).
    /// (Asked for every object in every pass: hashed with foldhash, not
    /// SipHash, which was a twentieth of a fleet run.)
    memo: std::cell::RefCell<HashMap<usize, bool>>,
}

impl Only {
    pub fn judged(groups: HashSet<(String, String)>) -> Only {
        Only { groups, judged: true, memo: Default::default() }
    }
    pub fn all_but(groups: HashSet<(String, String)>) -> Only {
        Only { groups, judged: false, memo: Default::default() }
    }
    fn admits(&self, sub: Option<&str>, rg: Option<&str>) -> bool {
        let key = (sub.unwrap_or("").to_ascii_lowercase(), rg.unwrap_or("").to_ascii_lowercase());
        self.groups.contains(&key) == self.judged
    }
    fn admits_id(&self, id: &ResourceId) -> bool {
        // An object's head ("/subscriptions/s/resourceGroups/rg/providers/...")
        // holds its scope, so the answer is the head's, found once; an ID
        // whose subscription or resource group is its last segment is
        // answered alone.
        let (Some(head), Some((sub, rg))) = (id.head(), id.head_scope()) else {
            return self.admits(id.subscription(), id.resource_group());
        };
        let addr = head.as_ptr() as usize;
        if let Some(b) = self.memo.borrow().get(&addr) {
            return *b;
        }
        let b = self.admits(sub, rg);
        self.memo.borrow_mut().insert(addr, b);
        b
    }
}

impl<'a> Ctx<'a> {
    pub fn new(snap: &'a Snapshot) -> Ctx<'a> {
        Self::for_view(snap, &snap.cluster)
    }

    /// The context for judging against one cluster view of a fleet: its
    /// Services, nodes and volumes, its node resource group.
    pub fn for_view(snap: &'a Snapshot, c: &'a ClusterView) -> Ctx<'a> {
        let cluster_name = if c.name.is_empty() { crate::snapshot::DEFAULT_CLUSTER_NAME } else { &c.name };
        let node_rg = c.node_resource_group.as_ref().map(|s| s.value.as_str());
        let mut ctx = Ctx {
            snap,
            cluster: c,
            cluster_name,
            node_rg,
            by_base: HashMap::default(),
            by_key: HashMap::default(),
            ip_users: HashMap::default(),
            pip_name_users: HashMap::default(),
            service_rgs: FastSet::default(),
            other_aks: HashMap::default(),
            scope_rgs: snap.scope.resource_groups.iter().map(|g| g.to_ascii_lowercase()).collect(),
            cluster_subscription: cluster_subscription(snap, c),
            others: std::iter::once(&snap.cluster)
                .chain(&snap.fleet)
                .filter(|v| !std::ptr::eq(*v, c))
                .filter_map(|v| {
                    let rg = v.node_resource_group.as_ref()?.value.to_ascii_lowercase();
                    let sub = cluster_subscription(snap, v).map(|s| s.to_ascii_lowercase());
                    Some((sub, rg, v.label.clone().unwrap_or_else(|| v.name.clone())))
                })
                .collect(),
            coverage: crate::snapshot::Coverage::new(snap),
            last_covered: std::cell::Cell::new(None),
            only: None,
        };
        for s in &c.services {
            ctx.by_key.insert(s.key(), s);
            if !s.uid.is_empty() {
                ctx.by_base.insert(s.base_name().to_ascii_lowercase(), s);
            }
            // Any Service's reported or extra addresses keep an address in
            // use, whatever its type (the provider's own rule:
            // azure_loadbalancer_accesscontrol.go:listAvailableSecurityGroupDestinations).
            let mut ips: Vec<&str> = s.ingress_ips().collect();
            ips.extend(s.additional_public_ips());
            if s.is_load_balancer() {
                ips.extend(s.load_balancer_ip.as_deref());
                ips.extend(IP_ANNOTATIONS.iter().filter_map(|a| s.azure_annotation(a)));
            }
            for ip in ips {
                let users = ctx.ip_users.entry(IpKey::of(ip)).or_default();
                if !users.iter().any(|u| u.key() == s.key()) {
                    users.push(s);
                }
            }
            if !s.is_load_balancer() {
                continue;
            }
            for a in PIP_NAME_ANNOTATIONS {
                if let Some(n) = s.azure_annotation(a).filter(|n| !n.is_empty()) {
                    ctx.pip_name_users.entry(n.to_ascii_lowercase()).or_default().push(s);
                }
            }
            if let Some(rg) = s.azure_annotation(RG_ANNOTATION).filter(|r| !r.is_empty()) {
                ctx.service_rgs.insert(rg.to_ascii_lowercase());
            }
        }
        for mc in &snap.azure.managed_clusters {
            if let Some(rg) = mc.properties.node_resource_group.as_deref() {
                if node_rg.is_some_and(|ours| ours.eq_ignore_ascii_case(rg)) {
                    continue;
                }
                ctx.other_aks.insert(rg.to_ascii_lowercase(), mc.name.clone());
            }
        }
        ctx
    }

    /// The cloud-config (azure.json), when this view is the cluster it
    /// belongs to: in a fleet run it is the first view's, and its route
    /// table, rule maximum and other settings say nothing of the others.
    pub fn cloud_config(&self) -> Option<&'a crate::snapshot::ProviderConfig> {
        self.snap.cloud_config.as_ref().filter(|_| std::ptr::eq(self.cluster, &self.snap.cluster))
    }

    /// Why verdicts that need cluster list `kind` cannot be made, if so.
    pub fn cluster_gap(&self, kind: ClusterKind) -> Option<String> {
        let c = &self.cluster;
        if c.source == ClusterSource::Skipped {
            return Some("the cluster was not read (--no-cluster)".into());
        }
        if c.complete(kind) {
            return None;
        }
        let why = c
            .lists
            .iter()
            .find(|l| l.kind == kind && !l.complete)
            .and_then(|l| l.error.clone())
            .unwrap_or_else(|| "not read".into());
        Some(format!("the cluster's {} were not read completely ({why})", kind.name()))
    }

    /// Judge only these objects (a fleet run's pass).
    pub fn only(mut self, only: Only) -> Self {
        self.only = Some(only);
        self
    }

    /// Whether this pass judges the object `id` (always, outside a fleet).
    fn mine(&self, id: &ResourceId) -> bool {
        self.only.as_ref().is_none_or(|o| o.admits_id(id))
    }

    /// The objects of a list this pass judges: what a check walks.
    pub fn own<'s, T: crate::resources::Located>(&self, items: &'s [T]) -> impl Iterator<Item = &'s T> {
        items.iter().filter(|x| self.mine(x.id()))
    }

    /// Whether ARM list `kind` was read completely for the resource `id`.
    pub fn covered(&self, kind: ListKind, id: &ResourceId) -> bool {
        let (Some(sub), Some(rg)) = (id.subscription(), id.resource_group()) else { return false };
        // Where the ID's interned head (never freed, so its address names
        // its text) holds its scope, the answer is the head's, as in
        // `Only::admits_id`: the last one is kept, as findings and lists
        // come in runs of one head. Tens of thousands of lookups by
        // subscription were a fiftieth of an audit.
        let head = id.head().filter(|_| id.head_scope().is_some()).map(|h| h.as_ptr() as usize);
        if let (Some(at), Some((k, was_at, yes))) = (head, self.last_covered.get())
            && k == kind
            && was_at == at
        {
            return yes;
        }
        let yes = self.coverage.covered(kind, sub, rg);
        if let Some(at) = head {
            self.last_covered.set(Some((kind, at, yes)));
        }
        yes
    }

    /// Why verdicts on `kind` were withheld for some scopes, if any were.
    pub fn azure_gap(&self, kind: ListKind) -> Option<String> {
        let bad: Vec<String> =
            self.snap.lists.iter().filter(|l| l.kind == kind && !l.complete).map(|l| l.describe()).collect();
        (!bad.is_empty()).then(|| format!("the list of {} was incomplete", bad.join("; ")))
    }

    pub fn service(&self, key: &str) -> Option<&'a Service> {
        self.by_key.get(key).copied()
    }

    /// The live Service whose cloud-provider base name (`a` + UID without
    /// dashes, 32 characters) is `base`, compared case-insensitively.
    pub fn service_by_base(&self, base: &str) -> Option<&'a Service> {
        // Keys are lower case, as bases nearly always are already: a copy
        // only for one that is not (asked for every load-balancer part).
        if base.bytes().any(|b| b.is_ascii_uppercase()) {
            return self.by_base.get(&base.to_ascii_lowercase()).copied();
        }
        self.by_base.get(base).copied()
    }

    /// Live Services that use the address (see [`Ctx::new`]).
    pub fn ip_users(&self, ip: &str) -> &[&'a Service] {
        if self.ip_users.is_empty() {
            return &[];
        }
        self.ip_users.get(&IpKey::of(ip)).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Live Services that use the address, each with how.
    pub fn address_users(&self, ip: &str) -> Vec<(&'a Service, String)> {
        self.ip_users(ip).iter().map(|s| (*s, how_ip_used(s, ip))).collect()
    }

    /// Live Services that reference the public IP by name or address.
    pub fn referencing(&self, pip: &PublicIp) -> Vec<(&'a Service, String)> {
        let mut out: Vec<(&'a Service, String)> = Vec::new();
        // (Most clusters name no IP by annotation: no lower-cased copy then.)
        if !self.pip_name_users.is_empty()
            && let Some(users) = self.pip_name_users.get(&pip.name.to_ascii_lowercase())
        {
            out.extend(users.iter().map(|s| (*s, "azure-pip-name annotation".to_string())));
        }
        if let Some(ip) = pip.properties.ip_address.as_deref() {
            for s in self.ip_users(ip) {
                if !out.iter().any(|(o, _)| o.key() == s.key()) {
                    out.push((*s, how_ip_used(s, ip)));
                }
            }
        }
        out
    }

    /// Whether the live Service `s` uses public IP `pip`.
    pub fn uses(&self, s: &Service, pip: &PublicIp) -> Uses {
        if !s.is_load_balancer() {
            return Uses::No(format!("Service {} is now type {}", s.key(), s.type_));
        }
        if PIP_NAME_ANNOTATIONS.iter().any(|a| s.azure_annotation(a).is_some_and(|n| n.eq_ignore_ascii_case(&pip.name)))
        {
            return Uses::Yes("azure-pip-name annotation".into());
        }
        if let Some(ip) = pip.properties.ip_address.as_deref()
            && self.ip_users(ip).iter().any(|u| u.key() == s.key())
        {
            return Uses::Yes(how_ip_used(s, ip));
        }
        if s.ingress.is_empty() {
            return Uses::Pending;
        }
        let now: Vec<&str> = s.ingress_ips().collect();
        Uses::No(format!(
            "Service {} now uses {}",
            s.key(),
            if now.is_empty() { "a hostname".into() } else { now.join(", ") }
        ))
    }

    /// Whose resource group `rg` is. Judged are: this cluster's node
    /// resource group, resource groups a live Service names
    /// (`azure-load-balancer-resource-group`), and resource groups given
    /// with `-g`. Another AKS cluster's node resource group is never
    /// judged (AKS clusters all use the cluster name `kubernetes`, so the
    /// name tag alone cannot tell them apart: facts file, section 7);
    /// anything else is not judged either, with the reason.
    pub fn rg_owner(&self, sub: Option<&str>, rg: &str) -> Owner {
        if self.only.as_ref().is_some_and(|o| !o.judged) {
            let sub = sub.map(|s| format!(" in subscription {s}")).unwrap_or_default();
            return Owner::Unknown(format!(
                "resource group {rg}{sub} is no cluster's in this fleet run (not the node resource group of a view in its own subscription, nor of an AKS cluster, and no view's Service names it)"
            ));
        }
        // A resource group name is unique only within its subscription:
        // MC_rg_aks_westeurope in another subscription is another cluster's.
        // Unless the cloud-config puts the network resources in another
        // subscription (networkResourceSubscriptionID): that one is the
        // cluster's too.
        let network_sub = self.cloud_config().and_then(|c| c.network_resource_subscription_id.as_deref());
        if let Some(sub) = sub.filter(|s| !network_sub.is_some_and(|n| n.eq_ignore_ascii_case(s))) {
            match &self.cluster_subscription {
                Some(ours) if !ours.eq_ignore_ascii_case(sub) => {
                    return Owner::Other(format!(
                        "resource group {rg} is in subscription {sub}, and this cluster's node resource group is in {ours}"
                    ));
                }
                None if self.snap.scope.subscriptions.len() > 1 => {
                    return Owner::Unknown(format!(
                        "resource group {rg} is in subscription {sub}, and this cluster's subscription is unknown (its nodes' provider IDs name none): with several subscriptions in scope it cannot be told which is the cluster's"
                    ));
                }
                _ => {}
            }
        }
        // Asked for every object judged: the stored names are lower case,
        // and `rg` is lower-cased (a copy) only when the node resource
        // group alone does not answer.
        let same = |stored: &str, given: &str| stored.eq_ignore_ascii_case(given);
        if let Some((_, _, name)) = self.others.iter().find(|(s, r, _)| {
            same(r, rg)
                && match (s, sub) {
                    (Some(s), Some(sub)) => same(s, sub),
                    _ => true,
                }
        }) {
            return Owner::Other(format!(
                "resource group {rg} is the node resource group of cluster {name}, judged against its own view"
            ));
        }
        if self.node_rg.is_some_and(|ours| same(ours, rg)) {
            return Owner::Ours;
        }
        let lower = rg.to_ascii_lowercase();
        if self.service_rgs.contains(&lower) || self.scope_rgs.contains(&lower) {
            return Owner::Ours;
        }
        let unknown = "this cluster's node resource group is unknown (give --resource-group, or azure.json, or let azaudit read the nodes)";
        match (self.node_rg, self.other_aks.get(&lower)) {
            (Some(_), Some(name)) => {
                Owner::Other(format!("resource group {rg} is the node resource group of AKS cluster {name}"))
            }
            (None, Some(name)) => Owner::Unknown(format!(
                "resource group {rg} is the node resource group of AKS cluster {name}, and {unknown}"
            )),
            (Some(ours), None) => Owner::Unknown(format!(
                "resource group {rg} is not this cluster's node resource group {ours}, no live Service names it (azure-load-balancer-resource-group), and it was not given with -g"
            )),
            (None, None) => Owner::Unknown(format!(
                "{unknown}, and resource group {rg} is not named by a live Service nor given with -g"
            )),
        }
    }

    /// Whether this cluster's checks may judge the resource `id`: its ARM
    /// list is complete and its resource group is this cluster's. A resource
    /// whose owner cannot be told is noted ("`what` `name` not judged: ...").
    pub fn judge(&self, kind: ListKind, id: &ResourceId, what: &str, name: &str, notes: &mut Vec<String>) -> bool {
        if !self.covered(kind, id) {
            return false;
        }
        match self.rg_owner(id.subscription(), id.resource_group().unwrap_or("")) {
            Owner::Ours => true,
            Owner::Other(why) | Owner::Unknown(why) => {
                notes.push(format!("{what} {name} not judged: {why}"));
                false
            }
        }
    }

    /// The locks whose scope covers `resource_id` (its own, its parent's for
    /// a sub-resource, its group's or its subscription's).
    pub fn locks_for(&self, id: &ResourceId) -> Vec<LockRef> {
        self.snap
            .azure
            .locks
            .iter()
            .filter(|l| {
                let scope = l.scope();
                id.is_within(&scope.to_string())
            })
            .map(|l| LockRef {
                name: l.name.clone(),
                level: l.properties.level.clone(),
                scope: l.scope().to_string(),
                notes: l.properties.notes.clone(),
            })
            .collect()
    }
}

fn how_ip_used(s: &Service, ip: &str) -> String {
    // Compared as parsed addresses (as `ip_users` keys them), not as
    // formatted texts: formatting an address cost 1,600 instructions.
    let ip = IpKey::of(ip);
    if s.ingress_ips().any(|i| IpKey::of(i) == ip) {
        "status.loadBalancer.ingress".into()
    } else if s.additional_public_ips().any(|i| IpKey::of(i) == ip) {
        "azure-additional-public-ips annotation".into()
    } else if s.load_balancer_ip.as_deref().is_some_and(|i| IpKey::of(i) == ip) {
        "spec.loadBalancerIP".into()
    } else {
        "azure-load-balancer-ipv4/ipv6 annotation".into()
    }
}

/// An address as a map key: parsed, so `10.0.0.1` and ` 10.0.0.1` or two
/// spellings of one IPv6 address are one key, without formatting either;
/// anything else by its trimmed text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum IpKey {
    Addr(std::net::IpAddr),
    Text(String),
}

impl IpKey {
    pub(crate) fn of(ip: &str) -> IpKey {
        let t = ip.trim();
        t.parse().map(IpKey::Addr).unwrap_or_else(|_| IpKey::Text(t.to_string()))
    }
}

/// Whether `name` follows the cloud provider's pattern for a Service's
/// objects: `a` + 31 hex digits (the UID without dashes, cut to 32
/// characters), alone or followed by `-...`. Returns the base name.
pub fn provider_base(name: &str) -> Option<&str> {
    let base = name.get(..32)?;
    let rest = &name[32..];
    let hex = base.starts_with(['a', 'A']) && base[1..].chars().all(|c| c.is_ascii_hexdigit());
    (hex && (rest.is_empty() || rest.starts_with('-'))).then_some(base)
}

/// The cluster's subscription: the view's own, else the one its nodes'
/// provider IDs (`azure:///subscriptions/{sub}/resourceGroups/...`) all
/// name, else the only subscription in scope.
pub(crate) fn cluster_subscription(snap: &Snapshot, c: &ClusterView) -> Option<String> {
    if c.subscription.is_some() {
        return c.subscription.clone();
    }
    let mut found: Option<String> = None;
    for n in &c.nodes {
        let Some(pid) = n.provider_id.as_deref() else { continue };
        let Some(sub) = ResourceId::new(pid.trim_start_matches("azure://")).subscription().map(str::to_string) else {
            continue;
        };
        match &found {
            Some(f) if !f.eq_ignore_ascii_case(&sub) => return None,
            Some(_) => {}
            None => found = Some(sub),
        }
    }
    found.or_else(|| match snap.scope.subscriptions.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Service is found by its base name in any case, and a resource
    /// group is the cluster's in any case (the stored names are lower case;
    /// the looked-up ones are not copied when they already are).
    #[test]
    fn bases_and_resource_groups_match_in_any_case() {
        use crate::checks::testkit::*;
        let mut s = snap();
        let svc = lb_svc("shop", "web", UID1, None);
        let base = svc.base_name().to_string();
        s.cluster.services.push(svc);
        let ctx = Ctx::new(&s);
        for b in [base.clone(), base.to_ascii_uppercase()] {
            assert_eq!(ctx.service_by_base(&b).map(|s| s.name.as_str()), Some("web"), "{b}");
        }
        assert!(ctx.service_by_base("a00000000000000000000000000000000").is_none());
        let rg = s.cluster.node_resource_group.as_ref().unwrap().value.clone();
        for r in [rg.clone(), rg.to_ascii_uppercase(), rg.to_ascii_lowercase()] {
            assert_eq!(ctx.rg_owner(None, &r), Owner::Ours, "{r}");
        }
        assert_ne!(ctx.rg_owner(None, "some-other-rg"), Owner::Ours);
    }

    /// Where a Service names an address is found by the address, however
    /// either side spells it (spaces, IPv6 case and zero runs), and a text
    /// that is no address only by its trimmed text.
    #[test]
    fn how_an_address_is_used_is_found_by_the_address_not_its_spelling() {
        use crate::checks::testkit::*;
        let mut s = lb_svc("shop", "web", UID1, Some(" 2001:DB8:0:0::1 "));
        s.load_balancer_ip = Some("20.1.1.2".into());
        s.annotations
            .insert("service.beta.kubernetes.io/azure-additional-public-ips".into(), "20.1.1.1 , not-an-ip ".into());
        assert_eq!(how_ip_used(&s, "2001:db8::1"), "status.loadBalancer.ingress");
        assert_eq!(how_ip_used(&s, " 20.1.1.1"), "azure-additional-public-ips annotation");
        assert_eq!(how_ip_used(&s, "not-an-ip "), "azure-additional-public-ips annotation");
        assert_eq!(how_ip_used(&s, "20.1.1.2"), "spec.loadBalancerIP");
        // Not named anywhere here: the ipv4/ipv6 annotations are the rest.
        assert_eq!(how_ip_used(&s, "20.1.1.3"), "azure-load-balancer-ipv4/ipv6 annotation");
        assert_eq!(how_ip_used(&s, "2001:db8::2"), "azure-load-balancer-ipv4/ipv6 annotation");
    }

    /// A fleet pass's answer for an object comes from its ID's head, found
    /// once per head: it is the answer its whole ID gives, for IDs of any
    /// case and shape (a resource group's own ID keeps its name in the
    /// last segment, not the head), asked in any order.
    #[test]
    fn a_pass_admits_by_the_whole_id_whatever_the_head() {
        let groups: HashSet<(String, String)> =
            [("s1", "rg1"), ("s2", "mc_x")].iter().map(|(s, r)| (s.to_string(), r.to_string())).collect();
        let ids = [
            "/subscriptions/S1/resourceGroups/RG1/providers/Microsoft.Network/publicIPAddresses/a",
            "/subscriptions/s1/resourcegroups/rg1/providers/Microsoft.Network/publicIPAddresses/b",
            "/subscriptions/s1/resourceGroups/rg2/providers/Microsoft.Network/publicIPAddresses/a",
            "/subscriptions/s2/resourceGroups/MC_x/providers/Microsoft.Compute/disks/d",
            "/subscriptions/s1/resourceGroups/rg1",
            "/subscriptions/s1/resourceGroups/rg2",
            "/subscriptions/s1/resourceGroups/",
            "/subscriptions/s1/providers/Microsoft.Network/locations/westeurope/usages/x",
            "/subscriptions/s1/subscriptions/s2/resourceGroups/rg1/providers/Microsoft.Compute/disks/d",
            "/subscriptions/s2/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/disks/d",
            "/subscriptions/s1",
            "/subscriptions/s2",
            "/subscriptions/s2/resourceGroups/mc_x/providers/Microsoft.Compute/disks",
            "no-slash",
            "",
        ];
        for judged in [true, false] {
            let only = if judged { Only::judged(groups.clone()) } else { Only::all_but(groups.clone()) };
            let mut admitted = 0;
            for round in 0..2 {
                for id in ids.iter().chain(ids.iter().rev()) {
                    let rid = ResourceId::new(id);
                    let want = only.admits(rid.subscription(), rid.resource_group());
                    assert_eq!(only.admits_id(&rid), want, "{id} (judged {judged}, round {round})");
                    admitted += usize::from(want);
                }
            }
            assert!(admitted > 0 && admitted < 4 * ids.len(), "both answers occur");
        }
    }

    /// A resource group's name is unique only within its subscription; the
    /// cloud-config's networkResourceSubscriptionID makes a second one the
    /// cluster's.
    #[test]
    fn a_resource_group_is_ours_only_in_the_clusters_subscription() {
        use crate::checks::testkit::{RG, SUB, snap};
        let other = "99999999-0000-4000-8000-000000000009";
        let mut s = snap();
        s.scope.subscriptions.push(other.into());
        // Two subscriptions in scope and no provider IDs: cannot tell.
        assert!(matches!(Ctx::new(&s).rg_owner(Some(SUB), RG), Owner::Unknown(_)));
        s.cluster.subscription = Some(SUB.into());
        let ctx = Ctx::new(&s);
        assert_eq!(ctx.rg_owner(Some(SUB), RG), Owner::Ours);
        assert!(matches!(ctx.rg_owner(Some(other), RG), Owner::Other(_)));
        s.cloud_config = Some(crate::snapshot::ProviderConfig {
            network_resource_subscription_id: Some(other.into()),
            ..Default::default()
        });
        assert_eq!(Ctx::new(&s).rg_owner(Some(other), RG), Owner::Ours);
    }

    #[test]
    fn provider_base_names() {
        let b = "a0b1c2d3e4f5061728394a5b6c7d8e9f";
        assert_eq!(provider_base(b), Some(b));
        assert_eq!(provider_base(&format!("{b}-TCP-80")), Some(b));
        assert_eq!(provider_base(&format!("{b}-IPv6")), Some(b));
        assert!(provider_base(&format!("{}-TCP-80", b.to_ascii_uppercase())).is_some());
        assert_eq!(provider_base("cluster-service-shared-health-probe"), None);
        assert_eq!(provider_base("outbound"), None);
        assert_eq!(provider_base("e1f4c2b3-0d9a-4f8e-b7c6-5a4d3c2b1a09"), None);
        assert_eq!(provider_base(&format!("{b}x")), None);
    }
}
