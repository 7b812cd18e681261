//! The usage index: every live reference to every Azure object the orphan
//! checks judge, built once per snapshot. Every orphan verdict goes through
//! it: an object is orphaned only when its owner (by tag or name) is gone
//! *and* nothing live references it. In use beats named.
//!
//! References from Azure objects (cloud-provider-azure writes each of them,
//! `pkg/provider/azure_loadbalancer.go`, `azure_publicip_repo.go`):
//! - load-balancing rule -> frontend, backend pool(s), probe;
//! - inbound NAT rule / pool -> frontend (and pool); outbound rule ->
//!   frontends and pool;
//! - frontend -> public IP, public IP prefix;
//! - NIC IP configuration -> public IP, backend pools;
//! - NAT gateway -> public IPs, prefixes;
//! - a public IP's own `ipConfiguration` -> whatever holds it (a frontend, a
//!   NIC or VMSS NIC configuration, an application or VPN gateway...).
//!
//! References from live Kubernetes objects: a public IP named by
//! `azure-pip-name(-ipv6)`; an address (public IP's or an internal
//! frontend's private one) that any Service reports in
//! `status.loadBalancer.ingress`, asks for in `spec.loadBalancerIP` or
//! `azure-load-balancer-ipv4/ipv6`, or lists in
//! `azure-additional-public-ips`.
//!
//! Liveness is a fixed point: the candidates are the objects whose owner is
//! gone (a dead UID in the name, or every Service in the tag gone); any
//! candidate that a Kubernetes object, or a non-candidate Azure object,
//! references is kept, which may keep what it references in turn. Objects
//! azaudit cannot judge (not covered, another cluster's, unknown resource
//! group) are never candidates, so they count as live referrers.

use super::Ctx;
use super::context::{Owner, provider_base};
use crate::models::cluster::Service;
use crate::models::{LoadBalancer, ResourceId, SubResource};
use crate::snapshot::{ClusterKind, ListKind, Snapshot};
use std::hash::{Hash, Hasher};

/// What was checked before an object is called orphaned, by kind of object.
pub const CHECKED_PUBLIC_IP: &str = "no load-balancer frontend, NIC, NAT gateway or other ipConfiguration references it, and no live Service names it (azure-pip-name) or uses its address (status.loadBalancer.ingress, loadBalancerIP, azure-load-balancer-ipv4/ipv6, azure-additional-public-ips)";
pub const CHECKED_FRONTEND: &str =
    "no live load-balancing, inbound NAT or outbound rule references it, and no live Service uses its address";
pub const CHECKED_RULE: &str = "no live Service has the UID its name is derived from";
pub const CHECKED_PROBE: &str =
    "no live load-balancing rule references it, and no live Service has the UID its name is derived from";

/// An object's key: its ID, compared without case as ARM does. Borrowed
/// from the snapshot: a sub-resource whose ID the snapshot does not keep
/// is keyed by its parent's ID, collection and name, which hash and compare
/// as the ID they spell.
///
/// Each key carries its fingerprint, worked out once when it is made: the
/// index hashes a key many times (inserted, looked up in both halves,
/// asked again while settling), and a fingerprint costs hundreds of
/// instructions (120,000 of them were a twentieth of `orphans --from`).
/// Its low 32 bits are kept, in what was padding: a key stays four words
/// (the index holds 100,000 of them), and two different IDs that share
/// them are still told apart by their texts.
#[derive(Clone, Debug)]
pub struct Key<'a> {
    fp: u32,
    form: Form,
    /// The ID (`Id`) or the parent (`Child`).
    id: Option<&'a ResourceId>,
    /// The text (`Text`) or the child's name (`Child`).
    text: &'a str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Text,
    Id,
    /// A part in this collection of its parent.
    Child(Coll),
}

/// A key's ID as its parts.
enum Spelt<'a> {
    /// An ID as text (a lookup by a caller).
    Text(&'a str),
    Id(&'a ResourceId),
    Child(&'a ResourceId, Coll, &'a str),
}

/// The collection a keyed sub-resource is in: a byte in each of the
/// index's keys and references, not a 16-byte text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coll {
    Frontends,
    Rules,
    Probes,
    NatRules,
    NatPools,
    Outbound,
    IpConfigurations,
}

impl Coll {
    /// The collection's name in an ID.
    pub fn as_str(self) -> &'static str {
        match self {
            Coll::Frontends => "frontendIPConfigurations",
            Coll::Rules => "loadBalancingRules",
            Coll::Probes => "probes",
            Coll::NatRules => "inboundNatRules",
            Coll::NatPools => "inboundNatPools",
            Coll::Outbound => "outboundRules",
            Coll::IpConfigurations => "ipConfigurations",
        }
    }

    /// What one of its members is called in a sentence.
    fn part(self) -> &'static str {
        match self {
            Coll::Frontends => "frontend",
            Coll::Rules => "load-balancing rule",
            Coll::Probes => "health probe",
            Coll::NatRules => "inbound NAT rule",
            Coll::NatPools => "inbound NAT pool",
            Coll::Outbound => "outbound rule",
            Coll::IpConfigurations => "IP configuration",
        }
    }
}

impl Spelt<'_> {
    /// The ID it spells, as byte slices: `{parent}/{collection}/{name}`.
    fn slices(&self) -> [&[u8]; 7] {
        match self {
            Spelt::Text(id) => [id.as_bytes(), b"", b"", b"", b"", b"", b""],
            Spelt::Id(id) => {
                let [a, b, c] = id.parts();
                [a.as_bytes(), b.as_bytes(), c.as_bytes(), b"", b"", b"", b""]
            }
            Spelt::Child(p, coll, n) => {
                let [a, b, c] = p.parts();
                // A parent ID with a trailing `/` spells its child without a
                // second one.
                let b = if c.is_empty() { "" } else { b };
                [a.as_bytes(), b.as_bytes(), c.as_bytes(), b"/", coll.as_str().as_bytes(), b"/", n.as_bytes()]
            }
        }
    }
}

impl<'a> Key<'a> {
    fn spelt(&self) -> Spelt<'a> {
        match (self.form, self.id) {
            (Form::Id, Some(id)) => Spelt::Id(id),
            (Form::Child(coll), Some(parent)) => Spelt::Child(parent, coll, self.text),
            _ => Spelt::Text(self.text),
        }
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        // Equal texts have equal fingerprints, so different ones settle it.
        if self.fp != other.fp {
            return false;
        }
        match (self.spelt(), other.spelt()) {
            (Spelt::Id(a), Spelt::Id(b)) => a == b,
            (Spelt::Text(a), Spelt::Text(b)) => a.eq_ignore_ascii_case(b),
            // Two parts of one parent: only the names can differ.
            (Spelt::Child(p, c, n), Spelt::Child(q, d, m)) if std::ptr::eq(p, q) => c == d && n.eq_ignore_ascii_case(m),
            (a, b) => {
                let (a, b) = (a.slices(), b.slices());
                let len = |s: &[&[u8]; 7]| s.iter().map(|p| p.len()).sum::<usize>();
                len(&a) == len(&b) && crate::models::common::eq_ci(a, b)
            }
        }
    }
}
impl Eq for Key<'_> {}
/// The lower-case fingerprint of the ID a key spells, as
/// [`ResourceId`]'s: from an interned head's state where there is one.
impl Hash for Key<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u32(self.fp);
    }
}

impl<'a> Key<'a> {
    /// An object's key by its ID.
    fn of(id: &'a ResourceId) -> Key<'a> {
        Key { fp: id.lower().finish() as u32, form: Form::Id, id: Some(id), text: "" }
    }

    /// A key by an ID's text.
    fn text(t: &'a str) -> Key<'a> {
        let fp = crate::models::common::fingerprint([t.as_bytes()]) as u32;
        Key { fp, form: Form::Text, id: None, text: t }
    }

    /// The key of `{parent}/{collection}/{name}`.
    fn child(parent: &'a ResourceId, coll: Coll, name: &'a str) -> Key<'a> {
        let mut l = parent.lower_as_parent();
        l.feed_all([b"/".as_slice(), coll.as_str().as_bytes(), b"/", name.as_bytes()]);
        Key { fp: l.finish() as u32, form: Form::Child(coll), id: Some(parent), text: name }
    }
}

impl<'a> From<&'a ResourceId> for Key<'a> {
    fn from(id: &'a ResourceId) -> Key<'a> {
        Key::of(id)
    }
}
impl<'a> From<&'a str> for Key<'a> {
    fn from(id: &'a str) -> Key<'a> {
        Key::text(id)
    }
}
impl<'a> From<&'a String> for Key<'a> {
    fn from(id: &'a String) -> Key<'a> {
        Key::text(id)
    }
}

/// Who references an object, described only when a verdict needs it.
#[derive(Clone, Debug)]
enum What<'a> {
    /// "load-balancing rule kubernetes/a1b2-TCP-80".
    Part {
        coll: Coll,
        lb: &'a LoadBalancer,
        name: &'a str,
    },
    /// "network interface nic0/ipconfig1".
    Nic {
        nic: &'a str,
        config: &'a str,
    },
    NatGateway(&'a str),
    /// The public IP's own `ipConfiguration`.
    IpConfiguration(&'a ResourceId),
    /// The public IP's own `natGateway`.
    ItsNatGateway(&'a ResourceId),
    /// "Service shop/web (status.loadBalancer.ingress)".
    Service(&'a Service, String),
}

impl std::fmt::Display for What<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Part { coll, lb, name } => write!(f, "{} {}/{name}", coll.part(), lb.name),
            What::Nic { nic, config } => write!(f, "network interface {nic}/{config}"),
            What::NatGateway(n) => write!(f, "NAT gateway {n}"),
            What::IpConfiguration(id) => write!(f, "its ipConfiguration {id}"),
            What::ItsNatGateway(id) => write!(f, "its NAT gateway {}", id.name()),
            What::Service(s, how) => write!(f, "Service {} ({how})", s.key()),
        }
    }
}

/// One reference to an object.
#[derive(Clone, Debug)]
struct Ref<'a> {
    /// The referring Azure object; `None` for a Kubernetes object.
    from: Option<Key<'a>>,
    what: What<'a>,
}

/// The verdict on one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Its owner is gone and nothing live references it.
    Orphan,
    /// Its owner is gone, but this live reference keeps it.
    InUse(String),
    /// Not a candidate: its owner is alive, or cannot be told.
    NotCandidate,
}

/// Keys borrow the snapshot's IDs: the index costs a few words per
/// reference, not a lower-cased copy of each ID and a description.
///
/// Two halves: the references between Azure objects ([`AzureRefs`]), the
/// same for every cluster view, so a fleet run builds them once; and each
/// view's own (its Services' references and its candidates), made only for
/// the objects the view judges.
pub struct Usage<'a> {
    azure: Shared<'a>,
    /// References from this view's live Services.
    services: RefMap<'a>,
    candidates: Set<Key<'a>>,
    kept: Map<Key<'a>, What<'a>>,
}

enum Shared<'a> {
    Own(Box<AzureRefs<'a>>),
    Borrowed(&'a AzureRefs<'a>),
}

impl<'a> std::ops::Deref for Shared<'a> {
    type Target = AzureRefs<'a>;
    fn deref(&self) -> &AzureRefs<'a> {
        match self {
            Shared::Own(r) => r,
            Shared::Borrowed(r) => r,
        }
    }
}

/// Every reference from one Azure object to another (a rule to its
/// frontend, a frontend or NIC to its public IP...), whoever judges them.
pub struct AzureRefs<'a> {
    refs: RefMap<'a>,
    /// Public IP -> its address.
    pip_address: Map<Key<'a>, &'a str>,
}

// The index hashes every ID of the snapshot: with the standard library's
// SipHash that was a sixth of an `orphans --from` run's CPU. foldhash,
// seeded per process, is several times faster on 150-byte keys.
use foldhash::{HashMap as Map, HashSet as Set};
/// Each object's references, in the order they were added.
///
/// One list for all of them, each object's chained through it: a vector per
/// object was 60,000 small allocations, regrown and then shrunk to fit,
/// where most objects have one referrer.
#[derive(Default)]
struct RefMap<'a> {
    /// An object's first and last reference in `refs`.
    ends: Map<Key<'a>, (usize, usize)>,
    /// Each reference and the index of the object's next one.
    refs: Vec<(Ref<'a>, usize)>,
}

/// The end of an object's chain.
const NO_NEXT: usize = usize::MAX;

impl<'a> RefMap<'a> {
    /// Room for `objects` objects and as many references: most objects
    /// have one referrer.
    fn with_capacity(objects: usize) -> Self {
        RefMap { ends: Map::with_capacity_and_hasher(objects, Default::default()), refs: Vec::with_capacity(objects) }
    }

    fn push(&mut self, target: Key<'a>, r: Ref<'a>) {
        let at = self.refs.len();
        self.refs.push((r, NO_NEXT));
        match self.ends.entry(target) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                let (_, last) = e.get_mut();
                if let Some((_, next)) = self.refs.get_mut(*last) {
                    *next = at;
                }
                *last = at;
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert((at, at));
            }
        }
    }

    /// The references to `key`, in the order they were added.
    fn get<'m>(&'m self, key: &Key<'a>) -> impl Iterator<Item = &'m Ref<'a>> + use<'m, 'a> {
        let mut at = self.ends.get(key).map_or(NO_NEXT, |&(first, _)| first);
        std::iter::from_fn(move || {
            let (r, next) = self.refs.get(at)?;
            at = *next;
            Some(r)
        })
    }
}

/// The key of a sub-resource of a load balancer: its ID, or the ID it
/// would have.
fn child_key<'a>(lb: &'a LoadBalancer, collection: Coll, name: &'a str, id: Option<&'a ResourceId>) -> Key<'a> {
    match id {
        Some(i) if !i.is_empty() => Key::of(i),
        _ => Key::child(&lb.id, collection, name),
    }
}

/// Every reference to `key` in the two halves of an index, Azure's first.
fn refs_in<'m, 'a>(
    azure: &'m RefMap<'a>,
    services: &'m RefMap<'a>,
    key: &Key<'a>,
) -> impl Iterator<Item = &'m Ref<'a>> + use<'m, 'a> {
    azure.get(key).chain(services.get(key))
}

fn push<'a>(refs: &mut RefMap<'a>, target: Key<'a>, from: Option<Key<'a>>, what: What<'a>) {
    refs.push(target, Ref { from, what });
}

impl<'a> AzureRefs<'a> {
    pub fn build(snap: &'a Snapshot) -> AzureRefs<'a> {
        let inv = &snap.azure;
        // Sized up front: growing the map rehashes every ID already in it.
        let lb_parts: usize = inv
            .load_balancers
            .iter()
            .map(|lb| {
                lb.properties.frontends.len() + lb.properties.backend_address_pools.len() + lb.properties.probes.len()
            })
            .sum();
        let nic_configs: usize = inv.network_interfaces.iter().map(|n| n.properties.ip_configurations.len()).sum();
        let mut r = AzureRefs {
            refs: RefMap::with_capacity(inv.public_ips.len() + lb_parts + nic_configs),
            pip_address: Map::with_capacity_and_hasher(inv.public_ips.len(), Default::default()),
        };
        for p in &inv.public_ips {
            if let Some(a) = p.properties.ip_address.as_deref() {
                r.pip_address.insert(Key::of(&p.id), a);
            }
        }
        for lb in &inv.load_balancers {
            let p = &lb.properties;
            let part = |coll: Coll, n: &'a str| What::Part { coll, lb, name: n };
            for rule in &p.load_balancing_rules {
                let from = child_key(lb, Coll::Rules, &rule.name, rule.id.as_deref());
                let rp = &rule.properties;
                let targets = rp
                    .frontend_ip_configuration
                    .iter()
                    .chain(&rp.backend_address_pool)
                    .chain(&rp.backend_address_pools)
                    .chain(&rp.probe);
                r.add_all(targets, &from, &part(Coll::Rules, &rule.name));
            }
            for rule in &p.inbound_nat_rules {
                let from = child_key(lb, Coll::NatRules, &rule.name, rule.id.as_deref());
                let rp = &rule.properties;
                r.add_all(
                    rp.frontend_ip_configuration.iter().chain(&rp.backend_address_pool),
                    &from,
                    &part(Coll::NatRules, &rule.name),
                );
            }
            for rule in &p.inbound_nat_pools {
                let from = child_key(lb, Coll::NatPools, &rule.name, rule.id.as_deref());
                r.add_all(&rule.properties.frontend_ip_configuration, &from, &part(Coll::NatPools, &rule.name));
            }
            for rule in &p.outbound_rules {
                let from = child_key(lb, Coll::Outbound, &rule.name, rule.id.as_deref());
                let rp = &rule.properties;
                r.add_all(
                    rp.frontend_ip_configurations.iter().chain(&rp.backend_address_pool),
                    &from,
                    &part(Coll::Outbound, &rule.name),
                );
            }
            for fe in &p.frontends {
                let key = child_key(lb, Coll::Frontends, &fe.name, fe.id.as_deref());
                let fp = &fe.properties;
                r.add_all(
                    fp.public_ip_address.iter().chain(&fp.public_ip_prefix),
                    &key,
                    &part(Coll::Frontends, &fe.name),
                );
            }
        }
        for nic in &inv.network_interfaces {
            for c in &nic.properties.ip_configurations {
                let from = match &c.id {
                    Some(i) if !i.is_empty() => Key::of(i),
                    _ => Key::child(&nic.id, Coll::IpConfigurations, &c.name),
                };
                let cp = &c.properties;
                let what = What::Nic { nic: &nic.name, config: &c.name };
                r.add_all(cp.public_ip_address.iter().chain(&cp.load_balancer_backend_address_pools), &from, &what);
            }
        }
        for nat in &inv.nat_gateways {
            let np = &nat.properties;
            let what = What::NatGateway(&nat.name);
            r.add_all(np.public_ip_addresses.iter().chain(&np.public_ip_prefixes), &Key::of(&nat.id), &what);
        }
        for pip in &inv.public_ips {
            // The IP's own back-references: whatever holds it, listed or not.
            if let Some(c) = &pip.properties.ip_configuration {
                push(&mut r.refs, Key::of(&pip.id), Some(Key::of(&c.id)), What::IpConfiguration(&c.id));
            }
            if let Some(n) = &pip.properties.nat_gateway {
                push(&mut r.refs, Key::of(&pip.id), Some(Key::of(&n.id)), What::ItsNatGateway(&n.id));
            }
        }
        r.refs.refs.shrink_to_fit();
        r
    }

    fn add_all(&mut self, targets: impl IntoIterator<Item = &'a SubResource>, from: &Key<'a>, what: &What<'a>) {
        for t in targets {
            if !t.id.is_empty() {
                push(&mut self.refs, Key::of(&t.id), Some(from.clone()), what.clone());
            }
        }
    }
}

impl<'a> Usage<'a> {
    /// The index for one view, with the Azure half built for it alone.
    pub fn build(ctx: &Ctx<'a>) -> Usage<'a> {
        Self::with(ctx, Shared::Own(Box::new(AzureRefs::build(ctx.snap))))
    }

    /// The index for one view over Azure references built once for all.
    pub fn for_view(ctx: &Ctx<'a>, azure: &'a AzureRefs<'a>) -> Usage<'a> {
        Self::with(ctx, Shared::Borrowed(azure))
    }

    fn with(ctx: &Ctx<'a>, azure: Shared<'a>) -> Usage<'a> {
        let snap = ctx.snap;
        let mut u = Usage { azure, services: RefMap::default(), candidates: Set::default(), kept: Map::default() };
        let services_read = ctx.cluster_gap(ClusterKind::Services).is_none();
        // Sized up front for the view's own objects, the most it can hold:
        // growing rehashes every key already in (a fiftieth of a run).
        let lbs: Vec<&LoadBalancer> = ctx.own(&snap.azure.load_balancers).collect();
        let pips: Vec<&crate::models::PublicIp> = ctx.own(&snap.azure.public_ips).collect();
        let parts: usize = lbs
            .iter()
            .map(|lb| {
                lb.properties.load_balancing_rules.len() + lb.properties.frontends.len() + lb.properties.probes.len()
            })
            .sum();
        u.candidates.reserve(parts + pips.len());
        // Only the view's own objects: no other can be its candidate, and
        // Service references matter only to candidates and to the view's
        // own verdicts.
        for lb in lbs {
            let p = &lb.properties;
            // Only a judged load balancer's parts can be candidates: its
            // list is complete and its resource group is this cluster's.
            let judged = services_read
                && ctx.covered(ListKind::LoadBalancers, &lb.id)
                && ctx.rg_owner(lb.id.subscription(), lb.id.resource_group().unwrap_or("")) == Owner::Ours;
            // A part named for a UID no live Service has.
            let dead_named = |n: &str| judged && provider_base(n).is_some_and(|b| ctx.service_by_base(b).is_none());
            for r in p.load_balancing_rules.iter().filter(|r| dead_named(&r.name)) {
                u.candidates.insert(child_key(lb, Coll::Rules, &r.name, r.id.as_deref()));
            }
            for fe in &p.frontends {
                let key = child_key(lb, Coll::Frontends, &fe.name, fe.id.as_deref());
                let fp = &fe.properties;
                // A Service that uses the frontend's address uses the frontend.
                let addr = fp.private_ip_address.as_deref().or_else(|| {
                    fp.public_ip_address.as_ref().and_then(|r| u.azure.pip_address.get(&Key::of(&r.id)).copied())
                });
                if let Some(a) = addr {
                    for (s, how) in ctx.address_users(a) {
                        push(&mut u.services, key.clone(), None, What::Service(s, how));
                    }
                }
                if dead_named(&fe.name) {
                    u.candidates.insert(key);
                }
            }
            for probe in p.probes.iter().filter(|c| dead_named(&c.name)) {
                u.candidates.insert(child_key(lb, Coll::Probes, &probe.name, probe.id.as_deref()));
            }
        }
        for pip in pips {
            let key = Key::of(&pip.id);
            for (s, how) in ctx.referencing(pip) {
                push(&mut u.services, key.clone(), None, What::Service(s, how));
            }
            // Its reasons are not kept: spelt out again for the few the
            // check reports, they cost less than holding one per IP.
            if super::ownership::is_owner_gone(ctx, pip) {
                u.candidates.insert(key);
            }
        }
        u.settle();
        u
    }

    /// Every reference to `key`: from Azure objects, then from Services.
    fn refs_of<'s>(&'s self, key: &Key<'s>) -> impl Iterator<Item = &'s Ref<'s>> + 's {
        refs_in(&self.azure.refs, &self.services, key)
    }

    /// Keep every candidate that something live references, until nothing
    /// changes.
    fn settle(&mut self) {
        loop {
            let mut newly = Vec::new();
            for c in &self.candidates {
                if self.kept.contains_key(c) {
                    continue;
                }
                let live = refs_in(&self.azure.refs, &self.services, c).find(|r| match &r.from {
                    None => true,
                    Some(f) => !self.candidates.contains(f) || self.kept.contains_key(f),
                });
                if let Some(r) = live {
                    newly.push((c.clone(), r.what.clone()));
                }
            }
            if newly.is_empty() {
                return;
            }
            self.kept.extend(newly);
        }
    }

    /// The verdict on the object with this ID (any case).
    pub fn status<'k>(&self, id: impl Into<Key<'k>>) -> Status {
        let key = id.into();
        let (candidates, kept): (&Set<Key>, &Map<Key, What>) = (&self.candidates, &self.kept);
        if !candidates.contains(&key) {
            return Status::NotCandidate;
        }
        match kept.get(&key) {
            Some(why) => Status::InUse(why.to_string()),
            None => Status::Orphan,
        }
    }

    /// Whether anything at all (live or not) references the object.
    pub fn referenced<'k>(&self, id: impl Into<Key<'k>>) -> bool {
        let key = id.into();
        self.refs_of(&key).next().is_some()
    }

    /// Every reference to the object, live or not ("frontend kubernetes/x").
    pub fn referrers<'k>(&self, id: impl Into<Key<'k>>) -> Vec<String> {
        let key = id.into();
        self.refs_of(&key).map(|x| x.what.to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    const DEAD: &str = "adeadbeef00000000000000000000000";

    /// Each object's references come back in the order they were added,
    /// however the pushes for different objects interleave; an object with
    /// none has none.
    #[test]
    fn references_come_back_per_object_in_the_order_added() {
        let ids: Vec<ResourceId> = (0..3)
            .map(|i| {
                ResourceId::new(format!(
                    "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/publicIPAddresses/ip{i}"
                ))
            })
            .collect();
        let mut m = RefMap::with_capacity(1);
        let order = [0, 1, 0, 0, 1, 0];
        for (n, &i) in order.iter().enumerate() {
            push(&mut m, Key::of(&ids[i]), None, What::NatGateway(["a", "b", "c", "d", "e", "f"][n]));
        }
        let names = |i: usize| -> Vec<String> {
            m.get(&Key::of(&ids[i]))
                .map(|r| match r.what {
                    What::NatGateway(n) => n.to_string(),
                    _ => "?".into(),
                })
                .collect()
        };
        assert_eq!(names(0), ["a", "c", "d", "f"]);
        assert_eq!(names(1), ["b", "e"]);
        assert!(names(2).is_empty());
    }

    /// A part keyed by its parent, collection and name is the same key as
    /// the ID it spells, in any case; a different name or collection is not.
    #[test]
    fn a_derived_key_equals_the_id_it_spells() {
        use std::hash::BuildHasher;
        let h = std::collections::hash_map::RandomState::new();
        let lb = ResourceId::new(
            "/subscriptions/s/resourceGroups/MC_x/providers/Microsoft.Network/loadBalancers/kubernetes",
        );
        let text = format!("{}/frontendIPConfigurations/Fe1", lb.key());
        let id = ResourceId::new(&text);
        let (a, b) = (Key::of(&id), Key::child(&lb, Coll::Frontends, "fe1"));
        assert_eq!(a, b);
        assert_eq!(h.hash_one(&a), h.hash_one(&b));
        assert_eq!(a, Key::text(&text));
        assert_eq!(h.hash_one(&a), h.hash_one(Key::text(&text)));
        assert_ne!(a, Key::child(&lb, Coll::Frontends, "fe2"));
        assert_ne!(a, Key::child(&lb, Coll::Probes, "fe1"));
        // A parent spelt with a trailing `/` spells the same child.
        let slash = ResourceId::new(format!("{lb}/"));
        assert_eq!(a, Key::child(&slash, Coll::Frontends, "fe1"));
        assert_eq!(h.hash_one(&a), h.hash_one(Key::child(&slash, Coll::Frontends, "fe1")));
        // Two parts of one parent, and of two spellings of it.
        assert_eq!(b, Key::child(&lb, Coll::Frontends, "FE1"));
        assert_ne!(b, Key::child(&lb, Coll::Frontends, "fe2"));
        assert_ne!(b, Key::child(&lb, Coll::Probes, "fe1"));
        assert_eq!(b, Key::child(&slash, Coll::Frontends, "Fe1"));
        assert_ne!(b, Key::child(&slash, Coll::Frontends, "fe10"));
        // A parent without a `/` (no interned head) too.
        let bare = ResourceId::new("LB");
        let child = Key::child(&bare, Coll::Probes, "p");
        assert_eq!(child, Key::text("lb/probes/P"));
        assert_eq!(h.hash_one(&child), h.hash_one(Key::text("lb/probes/P")));
    }

    /// Keys keep 32 bits of their fingerprint: two IDs that share them are
    /// still two keys, told apart by their texts.
    #[test]
    fn a_shared_fingerprint_does_not_make_two_ids_one() {
        let (a, b) = (ResourceId::new("/subscriptions/s/x/a"), ResourceId::new("/subscriptions/s/x/b"));
        let same = |mut k: Key<'static>| {
            k.fp = 7;
            k
        };
        let (a, b): (&'static ResourceId, &'static ResourceId) = (Box::leak(Box::new(a)), Box::leak(Box::new(b)));
        assert_ne!(same(Key::of(a)), same(Key::of(b)));
        assert_ne!(same(Key::text("/subscriptions/s/x/a")), same(Key::text("/subscriptions/s/x/b")));
        assert_eq!(same(Key::of(a)), same(Key::text("/SUBSCRIPTIONS/s/x/A")));
        let mut m: Map<Key, u8> = Map::default();
        m.insert(same(Key::of(a)), 1);
        m.insert(same(Key::of(b)), 2);
        assert_eq!(m.len(), 2);
        assert_eq!(m.get(&same(Key::text("/subscriptions/s/x/B"))), Some(&2));
    }

    /// The index holds a key and a reference per live reference of a large
    /// subscription (60,000 of them): both stay a few words.
    #[test]
    fn keys_and_references_are_small() {
        assert!(std::mem::size_of::<Key>() <= 32, "{}", std::mem::size_of::<Key>());
        assert!(std::mem::size_of::<Ref>() <= 72, "{}", std::mem::size_of::<Ref>());
    }

    #[test]
    fn a_frontend_named_for_a_deleted_service_is_kept_by_a_live_rule() {
        // Two Services shared one IP; the first (whose UID named the
        // frontend) is gone, the second's rule still uses the frontend.
        let live_svc = lb_svc("shop", "b", UID1, Some("20.0.0.1"));
        let live = live_svc.base_name();
        let mut s = snap();
        s.cluster.services.push(live_svc);
        let fe = lb_child("kubernetes", "frontendIPConfigurations", DEAD);
        s.azure.load_balancers.push(lb(
            "kubernetes",
            json!({
                "frontendIPConfigurations": [{"name": DEAD, "id": fe, "properties": {}}],
                "loadBalancingRules": [
                    {"name": format!("{live}-TCP-80"), "id": lb_child("kubernetes", "loadBalancingRules", &format!("{live}-TCP-80")),
                     "properties": {"frontendIPConfiguration": {"id": fe}}},
                    {"name": format!("{DEAD}-TCP-81"), "id": lb_child("kubernetes", "loadBalancingRules", &format!("{DEAD}-TCP-81")),
                     "properties": {"frontendIPConfiguration": {"id": fe}}}
                ]
            }),
        ));
        let ctx = Ctx::new(&s);
        assert_eq!(
            Usage::build(&ctx).status(&fe),
            Status::InUse(format!("load-balancing rule kubernetes/{live}-TCP-80"))
        );
        let dead_rule = lb_child("kubernetes", "loadBalancingRules", &format!("{DEAD}-TCP-81"));
        assert_eq!(Usage::build(&ctx).status(&dead_rule), Status::Orphan);
    }

    #[test]
    fn orphans_referencing_orphans_stay_orphans_and_a_live_referrer_keeps_a_chain() {
        let mut s = snap();
        let pip_id = id("Microsoft.Network/publicIPAddresses", &format!("kubernetes-{DEAD}"));
        s.azure.public_ips.push(pip(
            &format!("kubernetes-{DEAD}"),
            &[("k8s-azure-service", "shop/gone"), ("k8s-azure-cluster-name", "kubernetes")],
            "20.0.0.9",
            None,
        ));
        let fe = lb_child("kubernetes", "frontendIPConfigurations", DEAD);
        let rule = lb_child("kubernetes", "loadBalancingRules", &format!("{DEAD}-TCP-80"));
        let lb_json = |extra_rule: bool| {
            let mut rules = vec![
                json!({"name": format!("{DEAD}-TCP-80"), "id": rule, "properties": {"frontendIPConfiguration": {"id": fe}}}),
            ];
            if extra_rule {
                rules.push(json!({"name": "user-rule", "properties": {"frontendIPConfiguration": {"id": fe}}}));
            }
            json!({"frontendIPConfigurations": [{"name": DEAD, "id": fe, "properties": {"publicIPAddress": {"id": pip_id}}}],
                   "loadBalancingRules": rules})
        };
        s.azure.load_balancers.push(lb("kubernetes", lb_json(false)));
        let ctx = Ctx::new(&s);
        assert_eq!(Usage::build(&ctx).status(&pip_id), Status::Orphan, "only an orphan frontend references it");
        assert_eq!(Usage::build(&ctx).status(&fe), Status::Orphan, "only an orphan rule references it");
        assert_eq!(Usage::build(&ctx).status(&rule), Status::Orphan);
        // A rule azaudit cannot explain (not named for a Service) is live:
        // it keeps the frontend, which keeps the IP.
        s.azure.load_balancers[0] = lb("kubernetes", lb_json(true));
        let ctx = Ctx::new(&s);
        assert_eq!(Usage::build(&ctx).status(&fe), Status::InUse("load-balancing rule kubernetes/user-rule".into()));
        assert_eq!(Usage::build(&ctx).status(&pip_id), Status::InUse(format!("frontend kubernetes/{DEAD}")));
    }

    #[test]
    fn a_service_using_the_address_keeps_a_frontend() {
        let mut s = snap();
        s.cluster.services.push(lb_svc("shop", "internal", UID1, Some("10.0.0.7")));
        let fe = lb_child("kubernetes-internal", "frontendIPConfigurations", DEAD);
        s.azure.load_balancers.push(lb(
            "kubernetes-internal",
            json!({"frontendIPConfigurations": [{"name": DEAD, "id": fe, "properties": {"privateIPAddress": "10.0.0.7"}}]}),
        ));
        let ctx = Ctx::new(&s);
        assert_eq!(
            Usage::build(&ctx).status(&fe),
            Status::InUse("Service shop/internal (status.loadBalancer.ingress)".into())
        );
    }

    #[test]
    fn an_ip_whose_nat_gateway_is_not_listed_is_still_held() {
        // Tagged for a deleted Service, but its own natGateway says a NAT
        // gateway holds it, even one azaudit did not list.
        let mut s = snap();
        let mut p = pip("kubernetes-old", &[("k8s-azure-service", "shop/gone")], "20.0.0.5", None);
        p.properties.nat_gateway = Some(Box::new(sub_res(&id("Microsoft.Network/natGateways", "egress"))));
        let pip_id = p.id.to_string();
        s.azure.public_ips.push(p);
        let ctx = Ctx::new(&s);
        assert_eq!(Usage::build(&ctx).status(&pip_id), Status::InUse("its NAT gateway egress".into()));
    }

    #[test]
    fn a_probe_named_for_a_deleted_service_is_kept_by_a_live_rule() {
        let live_svc = lb_svc("shop", "b", UID1, Some("20.0.0.1"));
        let live = live_svc.base_name();
        let mut s = snap();
        s.cluster.services.push(live_svc);
        let probe = lb_child("kubernetes", "probes", &format!("{DEAD}-TCP-80"));
        s.azure.load_balancers.push(lb(
            "kubernetes",
            json!({
                "probes": [{"name": format!("{DEAD}-TCP-80"), "id": probe, "properties": {}}],
                "loadBalancingRules": [{"name": format!("{live}-TCP-80"), "properties": {"probe": {"id": probe}}}]
            }),
        ));
        let ctx = Ctx::new(&s);
        assert_eq!(
            Usage::build(&ctx).status(&probe),
            Status::InUse(format!("load-balancing rule kubernetes/{live}-TCP-80"))
        );
    }
}
