//! THE declaration of every Azure resource type azaudit reads: one row per
//! type. Everything else about a type follows from its row:
//!
//! - [`ListKind`], its name in snapshots and reports, the provider path
//!   and api-version the collector lists it at;
//! - its model (the row's type, defined in `models/`) and its field in
//!   [`AzureInventory`], hence the `azaudit.snapshot/v1` layout;
//! - whether it counts toward a location's network usages (the collector
//!   asks for usages only where such resources exist);
//! - [`AzureInventory::resource_count`], and every resource's ID, location
//!   and tags ([`AzureInventory::each`]), which tag-based suppressions use;
//! - the spec it is held to (the mock's spec table, by its ARM type), and
//!   the model the spec and recording tests drive ([`ListKind::visit`]).
//!
//! The mock serves any type its scenario holds, by provider path: it needs
//! no route per type.

pub use crate::models::common::Located;
use crate::models::common::ResourceId;
use crate::models::{
    BlobContainer, Disk, DiskSnapshot, FileShare, LoadBalancer, Lock, ManagedCluster, NatGateway, Nic, Nsg,
    PrivateLinkService, PublicIp, RouteTable, StorageAccount, Usage,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What every listed model is: read from a page, written to a snapshot.
pub trait Model: Serialize + DeserializeOwned + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> Model for T {}

/// A resource type listed once per scope and kept in the inventory.
pub trait Inventoried: Model + Located {
    const KIND: ListKind;
    fn items(inv: &AzureInventory) -> &Vec<Self>;
    fn items_mut(inv: &mut AzureInventory) -> &mut Vec<Self>;
}

/// Something done with a list kind's model type (a generic closure).
pub trait ModelVisitor {
    type Out;
    fn visit<T: Model>(self, kind: ListKind) -> Self::Out;
}

/// Something done with an inventoried type.
pub trait InventoryVisitor {
    type Out;
    fn visit<T: Inventoried>(self) -> Self::Out;
}

/// A scoped row's `usages: [Kind]` as `Some(ListKind::Kind)`, `[]` as `None`.
macro_rules! counted_in {
    () => {
        None
    };
    ($k:ident) => {
        Some(ListKind::$k)
    };
}

macro_rules! resource_types {
    (
        per scope {
            $( $variant:ident : $model:ty => $field:ident, $name:literal, $path:literal, $api:literal, usages: [$($counted:ident)?]; )*
        }
        per location {
            $( $uvariant:ident : $umodel:ty => $ufield:ident, $uname:literal, $upath:literal, $uapi:literal, type $utype:literal; )*
        }
        per parent {
            $( $cvariant:ident : $cmodel:ty => $cfield:ident, $cname:literal,
               under $pkind:ident . $pfield:ident where $pfilter:path, $csub:literal, $capi:literal, type $ctype:literal; )*
        }
    ) => {
        /// The resource lists azaudit reads, named by their ARM resource type.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum ListKind {
            $( #[serde(rename = $name)] $variant, )*
            $( #[serde(rename = $uname)] $uvariant, )*
            $( #[serde(rename = $cname)] $cvariant, )*
        }

        impl ListKind {
            /// The kinds listed once per scope (usages are per location instead).
            pub const SCOPED: &'static [ListKind] = &[ $( ListKind::$variant, )* ];
            /// The kinds listed under each of some parent resources (a
            /// storage account's shares).
            pub const PER_PARENT: &'static [ListKind] = &[ $( ListKind::$cvariant, )* ];
            /// Every kind.
            pub const ALL: &'static [ListKind] =
                &[ $( ListKind::$variant, )* $( ListKind::$uvariant, )* $( ListKind::$cvariant, )* ];
            /// The kinds listed once per subscription and location (usages).
            pub const PER_LOCATION: &'static [ListKind] = &[ $( ListKind::$uvariant, )* ];

            /// The row this kind was declared with.
            fn row(self) -> &'static Row {
                match self {
                    $( ListKind::$variant => &Row { name: $name, path: $path, api: $api, counted: counted_in!($($counted)?), arm_type: $path }, )*
                    $( ListKind::$uvariant => &Row { name: $uname, path: $upath, api: $uapi, counted: None, arm_type: $utype }, )*
                    $( ListKind::$cvariant => &Row { name: $cname, path: $csub, api: $capi, counted: None, arm_type: $ctype }, )*
                }
            }

            /// For a per-parent kind, the kind it is listed under.
            pub fn parent(self) -> Option<ListKind> {
                match self {
                    $( ListKind::$cvariant => Some(ListKind::$pkind), )*
                    _ => None,
                }
            }

            /// Run `v` with this kind's model type.
            pub fn visit<V: ModelVisitor>(self, v: V) -> V::Out {
                match self {
                    $( ListKind::$variant => v.visit::<$model>(self), )*
                    $( ListKind::$uvariant => v.visit::<$umodel>(self), )*
                    $( ListKind::$cvariant => v.visit::<$cmodel>(self), )*
                }
            }

            /// Run `v` with this kind's inventoried type; `None` for usages.
            pub fn visit_inventoried<V: InventoryVisitor>(self, v: V) -> Option<V::Out> {
                match self {
                    $( ListKind::$variant => Some(v.visit::<$model>()), )*
                    $( ListKind::$uvariant => None, )*
                    $( ListKind::$cvariant => Some(v.visit::<$cmodel>()), )*
                }
            }
        }

        $(
            impl Inventoried for $model {
                const KIND: ListKind = ListKind::$variant;
                fn items(inv: &AzureInventory) -> &Vec<Self> { &inv.$field }
                fn items_mut(inv: &mut AzureInventory) -> &mut Vec<Self> { &mut inv.$field }
            }
        )*
        $(
            impl Inventoried for $cmodel {
                const KIND: ListKind = ListKind::$cvariant;
                fn items(inv: &AzureInventory) -> &Vec<Self> { &inv.$cfield }
                fn items_mut(inv: &mut AzureInventory) -> &mut Vec<Self> { &mut inv.$cfield }
            }
        )*

        /// The Azure resources read, by type.
        #[derive(Clone, Debug, Default, Serialize, Deserialize)]
        pub struct AzureInventory {
            $( #[serde(default, deserialize_with = "crate::models::common::exact_list")] pub $field: Vec<$model>, )*
            $( #[serde(default)] pub $ufield: Vec<LocationUsages>, )*
            $( #[serde(default, deserialize_with = "crate::models::common::exact_list")] pub $cfield: Vec<$cmodel>, )*
        }

        impl AzureInventory {
            /// The number of resources (not counting usage entries).
            pub fn resource_count(&self) -> usize {
                0 $( + self.$field.len() )* $( + self.$cfield.len() )*
            }

            /// Every resource, with its kind.
            pub fn each(&self, mut f: impl FnMut(ListKind, &dyn Located)) {
                $( self.$field.iter().for_each(|r| f(ListKind::$variant, r)); )*
                $( self.$cfield.iter().for_each(|r| f(ListKind::$cvariant, r)); )*
            }

            /// For a per-location kind, its usages by location.
            pub fn location_usages_mut(&mut self, kind: ListKind) -> Option<&mut Vec<LocationUsages>> {
                match kind {
                    $( ListKind::$uvariant => Some(&mut self.$ufield), )*
                    _ => None,
                }
            }

            /// For a per-parent kind, the parents to list it under (their IDs).
            pub fn parents(&self, kind: ListKind) -> Vec<ResourceId> {
                match kind {
                    $( ListKind::$cvariant => self.$pfield.iter().filter(|p| $pfilter(p)).map(|p| p.id.clone()).collect(), )*
                    _ => Vec::new(),
                }
            }
        }
    };
}

resource_types! {
    per scope {
        PublicIps: PublicIp => public_ips, "publicIPAddresses",
            "Microsoft.Network/publicIPAddresses", "2024-07-01", usages: [Usages];
        LoadBalancers: LoadBalancer => load_balancers, "loadBalancers",
            "Microsoft.Network/loadBalancers", "2024-07-01", usages: [Usages];
        Nsgs: Nsg => network_security_groups, "networkSecurityGroups",
            "Microsoft.Network/networkSecurityGroups", "2024-07-01", usages: [Usages];
        Nics: Nic => network_interfaces, "networkInterfaces",
            "Microsoft.Network/networkInterfaces", "2024-07-01", usages: [];
        NatGateways: NatGateway => nat_gateways, "natGateways",
            "Microsoft.Network/natGateways", "2024-07-01", usages: [Usages];
        Disks: Disk => disks, "disks",
            "Microsoft.Compute/disks", "2024-03-02", usages: [];
        ManagedClusters: ManagedCluster => managed_clusters, "managedClusters",
            "Microsoft.ContainerService/managedClusters", "2024-09-01", usages: [];
        Locks: Lock => locks, "locks",
            "Microsoft.Authorization/locks", "2020-05-01", usages: [];
        PrivateLinkServices: PrivateLinkService => private_link_services, "privateLinkServices",
            "Microsoft.Network/privateLinkServices", "2024-07-01", usages: [];
        RouteTables: RouteTable => route_tables, "routeTables",
            "Microsoft.Network/routeTables", "2024-07-01", usages: [];
        Snapshots: DiskSnapshot => snapshots, "snapshots",
            "Microsoft.Compute/snapshots", "2024-03-02", usages: [];
        StorageAccounts: StorageAccount => storage_accounts, "storageAccounts",
            "Microsoft.Storage/storageAccounts", "2023-05-01", usages: [StorageUsages];
    }
    per location {
        Usages: Usage => usages, "usages",
            "Microsoft.Network/locations/{location}/usages", "2024-07-01", type "Microsoft.Network/usages";
        StorageUsages: Usage => storage_usages, "storageUsages",
            "Microsoft.Storage/locations/{location}/usages", "2023-05-01", type "Microsoft.Storage/usages";
    }
    per parent {
        FileShares: FileShare => file_shares, "fileShares",
            under StorageAccounts.storage_accounts where StorageAccount::created_for_kubernetes,
            "fileServices/default/shares", "2023-05-01", type "Microsoft.Storage/storageAccounts/fileServices/shares";
        BlobContainers: BlobContainer => blob_containers, "blobContainers",
            under StorageAccounts.storage_accounts where StorageAccount::created_for_kubernetes,
            "blobServices/default/containers", "2023-05-01", type "Microsoft.Storage/storageAccounts/blobServices/containers";
    }
}

impl AzureInventory {
    /// Forget what the models can derive again (sub-resource IDs that are
    /// `{parent}/{collection}/{name}`), once the lists are read or a
    /// snapshot loaded, and give back the room the lists grew into (each
    /// list is read at its exact length, but a type's list read live grows
    /// page by page, doubling: up to half of it unused). A type with
    /// sub-resources adds its line here.
    pub fn compact(&mut self) {
        fn forget<P>(parent: &ResourceId, children: &mut Vec<crate::models::Child<P>>, collection: &str) {
            children.iter_mut().for_each(|c| c.forget_derivable_id(parent, collection));
            children.shrink_to_fit();
        }
        struct Shrink<'a>(&'a mut AzureInventory);
        impl InventoryVisitor for Shrink<'_> {
            type Out = ();
            fn visit<T: Inventoried>(self) {
                T::items_mut(self.0).shrink_to_fit();
            }
        }
        for k in ListKind::SCOPED.iter().chain(ListKind::PER_PARENT) {
            k.visit_inventoried(Shrink(self));
        }
        for lb in &mut self.load_balancers {
            let (id, p) = (&lb.id, &mut lb.properties);
            forget(id, &mut p.frontends, "frontendIPConfigurations");
            forget(id, &mut p.backend_address_pools, "backendAddressPools");
            forget(id, &mut p.load_balancing_rules, "loadBalancingRules");
            forget(id, &mut p.probes, "probes");
            forget(id, &mut p.inbound_nat_rules, "inboundNatRules");
            forget(id, &mut p.inbound_nat_pools, "inboundNatPools");
            forget(id, &mut p.outbound_rules, "outboundRules");
        }
        for nsg in &mut self.network_security_groups {
            forget(&nsg.id, &mut nsg.properties.security_rules, "securityRules");
        }
        for nic in &mut self.network_interfaces {
            forget(&nic.id, &mut nic.properties.ip_configurations, "ipConfigurations");
        }
        for t in &mut self.route_tables {
            forget(&t.id, &mut t.properties.routes, "routes");
        }
    }
}

/// One declared row's facts.
struct Row {
    name: &'static str,
    /// Below `/providers/` (per scope and location), or below the parent's
    /// ID (per parent).
    path: &'static str,
    api: &'static str,
    /// The per-location usages its resources count in.
    counted: Option<ListKind>,
    /// The ARM type, where the path does not spell it.
    arm_type: &'static str,
}

impl ListKind {
    /// `{provider}/{type}` below `/providers/`.
    pub fn provider_path(self) -> &'static str {
        self.row().path
    }

    /// The kind listed in a scope whose objects have this provider
    /// namespace and type (in any case).
    pub fn scoped_of(namespace: &str, type_: &str) -> Option<ListKind> {
        ListKind::SCOPED.iter().copied().find(|k| {
            k.provider_path()
                .split_once('/')
                .is_some_and(|(n, t)| n.eq_ignore_ascii_case(namespace) && t.eq_ignore_ascii_case(type_))
        })
    }

    pub fn api_version(self) -> &'static str {
        self.row().api
    }

    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The per-location usages resources of this kind count toward.
    pub fn counted_in(self) -> Option<ListKind> {
        self.row().counted
    }

    /// The ARM resource type, `Microsoft.Network/publicIPAddresses` (for
    /// usages `Microsoft.Network/usages`): the key of the spec table.
    pub fn arm_type(self) -> String {
        if !self.row().arm_type.is_empty() {
            return self.row().arm_type.to_string();
        }
        let p = self.provider_path();
        let ns = p.split('/').next().unwrap_or(p);
        let last = p.rsplit('/').next().unwrap_or(p);
        format!("{ns}/{last}")
    }
}

/// Network usages (limits) for one subscription and location.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LocationUsages {
    pub subscription: String,
    pub location: String,
    pub usages: Vec<Usage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_one_name_path_and_type() {
        let mut names = std::collections::HashSet::new();
        for k in ListKind::ALL {
            assert!(names.insert(k.name()), "{k:?}");
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(k.name()));
            if ListKind::PER_PARENT.contains(k) || ListKind::PER_LOCATION.contains(k) {
                // `fileServices/default/shares` under the parent, type
                // `…/fileServices/shares`; `…/locations/{location}/usages`, type `…/usages`.
                let last = k.provider_path().rsplit('/').next().unwrap();
                assert!(k.arm_type().ends_with(&format!("/{last}")), "{k:?}");
            } else {
                assert!(k.provider_path().ends_with(k.name()), "{k:?}: {}", k.provider_path());
                assert!(k.arm_type().ends_with(&format!("/{}", k.name())), "{k:?}");
            }
        }
        assert_eq!(
            ListKind::ALL.len(),
            ListKind::SCOPED.len() + ListKind::PER_LOCATION.len() + ListKind::PER_PARENT.len()
        );
    }

    /// Each declared type's field round-trips, and `each` sees every item.
    #[test]
    fn every_inventoried_type_has_its_own_field() {
        struct Push<'a>(&'a mut AzureInventory);
        impl InventoryVisitor for Push<'_> {
            type Out = ();
            fn visit<T: Inventoried>(self) {
                let id = format!("/subscriptions/s/resourceGroups/rg/providers/{}/x", T::KIND.provider_path());
                let item: T = serde_json::from_value(serde_json::json!({"id": id, "name": "x"})).unwrap();
                T::items_mut(self.0).push(item);
            }
        }
        let mut inv = AzureInventory::default();
        let inventoried: Vec<ListKind> = ListKind::SCOPED.iter().chain(ListKind::PER_PARENT).copied().collect();
        for k in &inventoried {
            k.visit_inventoried(Push(&mut inv)).unwrap();
        }
        assert_eq!(inv.resource_count(), inventoried.len());
        let mut seen = Vec::new();
        inv.each(|k, r| {
            assert!(r.id().to_string().contains(k.provider_path()));
            seen.push(k);
        });
        assert_eq!(seen, inventoried);
        assert!(ListKind::PER_LOCATION.iter().all(|k| k.visit_inventoried(Push(&mut inv)).is_none()));
        let back: AzureInventory = serde_json::from_value(serde_json::to_value(&inv).unwrap()).unwrap();
        assert_eq!(back.resource_count(), inv.resource_count());
    }
}
