//! Approximate monthly cost of leftovers, from a small table of Azure's
//! public pay-as-you-go list prices (USD, East US, 730 hours a month). The
//! figures are for ranking and rough totals only, and every one is marked
//! approximate: regions, agreements, reservations and currency change them.
//!
//! | item | list price | per month |
//! | --- | --- | --- |
//! | Standard public IP (static) | $0.005/h | $3.65 |
//! | Basic public IP, static | $0.0036/h | $2.63 |
//! | Basic public IP, dynamic, unattached | not charged | $0 |
//! | Standard LB rule beyond the first five | $0.010/h | $7.30 |
//! | Premium SSD (Premium_LRS, Premium_ZRS) | ~$0.154/GiB | P10 128 GiB $19.71 |
//! | Standard SSD (StandardSSD_LRS/ZRS) | ~$0.075/GiB | E10 128 GiB $9.60 |
//! | Standard HDD (Standard_LRS) | ~$0.046/GiB | S10 128 GiB $5.89 |
//! | Premium SSD v2 | ~$0.081/GiB | (capacity only) |
//! | Ultra Disk | ~$0.12/GiB | (capacity only) |
//! | Snapshot, Standard_LRS (incremental or full) | ~$0.05/GiB | 64 GiB $3.20 |
//! | Snapshot, Standard_ZRS | ~$0.0625/GiB | 64 GiB $4.00 |
//! | Premium file share (provisioned) | ~$0.16/GiB | 100 GiB $16.00 |
//!
//! Managed disks are billed by tier, so a disk's size is first rounded up to
//! the next tier size (4, 8, 16, 32, 64, 128, 256, 512 GiB, then powers of
//! two up to 32 TiB). An empty frontend, probe or backend pool costs nothing
//! by itself.

use crate::findings::Cost;
use crate::models::PublicIp;

const HOURS: f64 = 730.0;

fn cost(monthly_usd: f64, basis: impl Into<std::borrow::Cow<'static, str>>) -> Option<Cost> {
    Some(Cost { monthly_usd: (monthly_usd * 100.0).round() / 100.0, approximate: true, basis: basis.into() })
}

/// A public IP that stays allocated.
pub fn public_ip(pip: &PublicIp) -> Option<Cost> {
    let sku = pip.sku_name().unwrap_or("Basic");
    let dynamic = pip.properties.allocation_method.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("Dynamic"));
    if sku.eq_ignore_ascii_case("Standard") {
        cost(0.005 * HOURS, "Standard public IP, $0.005/h list price")
    } else if dynamic && pip.properties.ip_configuration.is_none() {
        cost(0.0, "Basic dynamic public IP, not charged while unattached")
    } else {
        cost(0.0036 * HOURS, "Basic static public IP, $0.0036/h list price")
    }
}

/// One load-balancing rule on a Standard load balancer (beyond the first
/// five, which are covered by the LB's base charge).
pub fn lb_rule() -> Option<Cost> {
    cost(0.010 * HOURS, "Standard LB rule beyond the first five, $0.010/h list price")
}

/// A managed-disk snapshot of `size_gib` (its source disk's size) and SKU
/// `sku`. An incremental snapshot bills only its changed data, so this is
/// an upper bound; Premium snapshots are not priced here.
pub fn snapshot(sku: Option<&str>, size_gib: Option<i64>) -> Option<Cost> {
    let size = size_gib.filter(|s| *s > 0)? as f64;
    let (per_gib, label) = match sku.unwrap_or("Standard_LRS").to_ascii_lowercase().as_str() {
        "standard_lrs" => (0.05, "Standard_LRS"),
        "standard_zrs" => (0.0625, "Standard_ZRS"),
        _ => return None,
    };
    cost(
        size * per_gib,
        format!(
            "{label} snapshot, ~${per_gib}/GiB-month list price on {size} GiB (an incremental snapshot bills only its changed data)"
        ),
    )
}

/// A premium (provisioned) file share of `quota_gib`.
pub fn premium_share(quota_gib: i64) -> Option<Cost> {
    let q = quota_gib.max(0) as f64;
    cost(q * 0.16, format!("Premium file share, ~$0.16/GiB-month provisioned list price on {q} GiB"))
}

/// A managed disk of `size_gib` and SKU `sku`.
pub fn disk(sku: Option<&str>, size_gib: Option<i64>) -> Option<Cost> {
    let size = size_gib.filter(|s| *s > 0)?;
    let sku = sku.unwrap_or("Standard_LRS");
    let (per_gib, label, tiered) = match sku.to_ascii_lowercase().as_str() {
        "premium_lrs" | "premium_zrs" => (0.154, "Premium SSD", true),
        "standardssd_lrs" | "standardssd_zrs" => (0.075, "Standard SSD", true),
        "standard_lrs" => (0.046, "Standard HDD", true),
        "premiumv2_lrs" => (0.081, "Premium SSD v2", false),
        "ultrassd_lrs" => (0.12, "Ultra Disk", false),
        _ => return None,
    };
    let billed = if tiered { tier(size) } else { size };
    cost(per_gib * billed as f64, format!("{label} {billed} GiB at ~${per_gib}/GiB-month list price"))
}

/// The tier size a disk is billed at.
fn tier(size: i64) -> i64 {
    const TIERS: [i64; 14] = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];
    TIERS.iter().copied().find(|t| *t >= size).unwrap_or(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disks_round_up_to_their_tier() {
        assert_eq!(tier(100), 128);
        assert_eq!(tier(128), 128);
        assert_eq!(tier(129), 256);
        let c = disk(Some("Premium_LRS"), Some(100)).unwrap();
        assert!((c.monthly_usd - 19.71).abs() < 0.01, "{c:?}");
        assert!(c.approximate);
        assert!(disk(Some("Something_New"), Some(100)).is_none());
    }

    #[test]
    fn public_ips_by_sku() {
        let mut pip: PublicIp =
            serde_json::from_value(serde_json::json!({"id": "/x", "sku": {"name": "Standard"}})).unwrap();
        assert_eq!(public_ip(&pip).unwrap().monthly_usd, 3.65);
        pip.sku = None;
        pip.properties.allocation_method = Some("Dynamic".into());
        assert_eq!(public_ip(&pip).unwrap().monthly_usd, 0.0);
    }
}
