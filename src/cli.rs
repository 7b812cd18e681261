//! The command line: global options shared by every command, and the
//! commands themselves.

use crate::auth::AuthMode;
use crate::cloud::Cloud;
use crate::findings::Severity;
use crate::render::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

pub const EXIT_CODES: &str = "\
Exit codes:
  0  clean, or nothing at or above --fail-on
  1  findings at or above --fail-on (default: warning)
  2  could not run (bad flags, authentication, configuration)
  3  ran, but incomplete: some list failed or was cut short, and no verdict
     was drawn from it (the report says what is missing)";

#[derive(Debug, Parser)]
#[command(
    name = "azaudit",
    version,
    about = "Audit the Azure side of Kubernetes clusters: orphaned IPs, load-balancer parts, NSG rules and disks, quotas, and service-principal expiry.",
    after_help = EXIT_CODES,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the in-scope Azure inventory into one versioned JSON snapshot.
    ///
    /// Every list is recorded with whether it completed; a failed or
    /// partial list is recorded as incomplete, never as empty. Analysis
    /// commands accept the file with --from to run offline.
    #[command(after_help = EXIT_CODES)]
    Snapshot(SnapshotArgs),
    /// Show what azaudit discovered (cloud, endpoints, subscription,
    /// resource group) and which credential it uses, then try to sign in,
    /// and check access to the cluster. No secrets are printed. Run this
    /// first when a scheduled job misbehaves.
    Whoami,
    /// Find what Kubernetes left behind in Azure: public IPs, load-balancer
    /// frontends, rules and probes, NSG rules and disks of deleted Services
    /// and volumes, idle load balancers and empty backend pools.
    ///
    /// Every verdict cross-references the Azure inventory with the cluster
    /// view. When a list it depends on is incomplete (or --no-cluster), the
    /// verdict is withheld and the exit code is 3.
    #[command(after_help = EXIT_CODES)]
    Orphans(ReportArgs),
    /// Warn before the service principal the cluster depends on expires.
    ///
    /// Checks every secret and certificate of: azure.json's aadClientId,
    /// each AKS cluster in scope that uses a service principal (managed
    /// identity clusters are skipped with a note), every --app-id, or with
    /// --all every application in the tenant. Reads Microsoft Graph with the
    /// same credential; needs the Graph permission Application.Read.All.
    #[command(name = "sp-expiry", after_help = EXIT_CODES)]
    SpExpiry(SpExpiryArgs),
    /// How close each load balancer, NSG, region and the subscription's ARM
    /// read budget are to their Azure limits, sorted by pressure.
    ///
    /// Limits come from the network usages API where it reports them, else
    /// from a documented table by SKU; the cloud provider's own
    /// maximumLoadBalancerRuleCount (azure.json, default 250) counts too.
    #[command(after_help = EXIT_CODES)]
    Quotas(QuotasArgs),
    /// Everything: orphans, sp-expiry, quotas, and every diagnosis of the
    /// source troubleshooting guide that the ARM and Kubernetes APIs can
    /// make (pending LoadBalancer Services and their likely cause, nodes
    /// without an Azure providerID, virtual nodes not excluded, GPU nodes
    /// without GPUs, Basic SKU, azure.json lint, known version bugs, ARM
    /// throttling risk). The one command to run when something is wrong.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Run an audit (default: `check`) against the bundled demo environment:
    /// a mock Azure, Microsoft Graph and Kubernetes cluster started
    /// in-process on loopback, read through the real HTTP clients. Shows
    /// every finding kind. Needs no Azure account.
    Demo(DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout.
    Man,
}

/// Options of the commands that produce a report.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Analyse a snapshot file (from `azaudit snapshot`) instead of reading
    /// Azure and the cluster: no network, same findings.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,

    /// Output format. Default: table on a terminal, json otherwise.
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT")]
    pub output: Option<Format>,

    /// Write the report to FILE (atomically: a temporary file, then a
    /// rename) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    /// The lowest severity that makes the exit code 1. `never` exits 0 with
    /// findings (incomplete runs still exit 3).
    #[arg(long, value_enum, default_value = "warning", value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Known exceptions (YAML): matched by resource ID glob, kind and tag,
    /// each with a reason and an optional expiry date. Suppressed findings
    /// are counted, not hidden; an expired suppression is itself reported.
    #[arg(long, value_name = "FILE", env = "AZAUDIT_SUPPRESSIONS")]
    pub suppressions: Option<PathBuf>,

    /// Remember when each finding was first seen, to report its age
    /// ("orphaned for 12 days"). Created if missing, rebuilt if corrupt.
    #[arg(long, value_name = "FILE", env = "AZAUDIT_STATE_FILE")]
    pub state_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SpExpiryArgs {
    #[command(flatten)]
    pub apps: SpApps,
    #[command(flatten)]
    pub thresholds: SpThresholds,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Which applications to check besides azure.json's and the AKS clusters'.
#[derive(Clone, Debug, Default, Args)]
pub struct SpApps {
    /// An application (client) ID to check (repeatable, or comma-separated).
    #[arg(long = "app-id", value_name = "APP_ID", value_delimiter = ',')]
    pub app_ids: Vec<String>,

    /// Check every application in the tenant (paged), the way tenant-wide
    /// exporters do.
    #[arg(long)]
    pub all: bool,
}

/// When a credential's expiry becomes a warning, then critical.
#[derive(Clone, Debug, Args)]
pub struct SpThresholds {
    /// Warn when a credential has fewer than this many days left.
    #[arg(long, value_name = "DAYS", default_value_t = crate::checks::sp_credentials::DEFAULT_WARN_DAYS, value_parser = clap::value_parser!(i64).range(0..=3650))]
    pub warn_days: i64,

    /// Critical when a credential has fewer than this many days left.
    #[arg(long, value_name = "DAYS", default_value_t = crate::checks::sp_credentials::DEFAULT_CRITICAL_DAYS, value_parser = clap::value_parser!(i64).range(0..=3650))]
    pub critical_days: i64,
}

/// `quotas` thresholds, in percent of the limit.
#[derive(Clone, Debug, Args)]
pub struct QuotaThresholds {
    /// Warn at this share of a limit.
    #[arg(long, value_name = "PERCENT", default_value_t = crate::checks::quotas::DEFAULT_WARN_PCT, value_parser = parse_percent)]
    pub quota_warn: f64,

    /// Critical at this share of a limit.
    #[arg(long, value_name = "PERCENT", default_value_t = crate::checks::quotas::DEFAULT_CRITICAL_PCT, value_parser = parse_percent)]
    pub quota_critical: f64,
}

#[derive(Debug, Args)]
pub struct QuotasArgs {
    #[command(flatten)]
    pub thresholds: QuotaThresholds,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub quota: QuotaThresholds,
    #[command(flatten)]
    pub apps: SpApps,
    #[command(flatten)]
    pub sp: SpThresholds,
    /// Do not read Microsoft Graph: skip the service-principal checks
    /// (for identities without Application.Read.All).
    #[arg(long, conflicts_with_all = ["app_ids", "all"])]
    pub no_graph: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

fn parse_percent(s: &str) -> Result<f64, String> {
    match s.trim().trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("'{s}' is not a percentage between 0 and 100")),
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Which audit to run against the demo environment.
    #[arg(value_enum, default_value = "check")]
    pub audit: DemoAudit,

    /// Output format of the demo report.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table", value_name = "FORMAT")]
    pub output: Format,
}

/// The audits the demo can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoAudit {
    Check,
    Orphans,
    SpExpiry,
    Quotas,
}

/// `--fail-on` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Info,
    Warning,
    Critical,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Info => Some(Severity::Info),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Where to write the snapshot (`-` for stdout). Written atomically.
    #[arg(short = 'o', long = "output-file", value_name = "FILE")]
    pub output: PathBuf,

    /// Also read the service principals' credentials from Microsoft Graph
    /// (for `sp-expiry --from`); implied by --app-id and --all.
    #[arg(long)]
    pub graph: bool,

    #[command(flatten)]
    pub apps: SpApps,
}

#[derive(Clone, Debug, Args)]
pub struct GlobalArgs {
    /// Subscription to audit (repeatable, or comma-separated): a GUID.
    #[arg(
        long = "subscription",
        value_name = "ID",
        env = "AZAUDIT_SUBSCRIPTION",
        value_delimiter = ',',
        value_parser = parse_subscription,
        global = true
    )]
    pub subscriptions: Vec<String>,

    /// Audit every subscription the identity can read (`GET /subscriptions`;
    /// disabled and deleted ones are skipped, with a note).
    #[arg(long, global = true, conflicts_with_all = ["subscriptions", "management_groups"])]
    pub all_subscriptions: bool,

    /// Audit every subscription under this management group, at any depth
    /// (repeatable, or comma-separated): the group's ID, not its display name.
    #[arg(
        long = "management-group",
        value_name = "ID",
        value_delimiter = ',',
        value_parser = parse_management_group,
        global = true,
        conflicts_with = "subscriptions"
    )]
    pub management_groups: Vec<String>,

    /// Where the inventory comes from: `arm` (each type's list in each
    /// subscription), `resource-graph` (Azure Resource Graph, a few queries
    /// for up to 300 subscriptions each; every finding is confirmed by ARM
    /// before it is reported), or `auto` (Resource Graph above 10
    /// subscriptions).
    #[arg(long, value_enum, default_value = "auto", env = "AZAUDIT_SOURCE", global = true)]
    pub source: SourceArg,

    /// Narrow the audit to these resource groups (repeatable). Lists are
    /// then read per resource group instead of per subscription.
    /// Not with --all-subscriptions or --management-group: a resource group
    /// belongs to one subscription.
    #[arg(short = 'g', long = "resource-group", value_name = "RG", value_delimiter = ',', value_parser = parse_resource_group, global = true, conflicts_with_all = ["all_subscriptions", "management_groups"])]
    pub resource_groups: Vec<String>,

    /// Azure cloud: selects the ARM endpoint and token audience together.
    #[arg(long, value_enum, env = "AZAUDIT_CLOUD", global = true)]
    pub cloud: Option<Cloud>,

    /// The Azure cloud provider's config file. Default: /etc/kubernetes/azure.json
    /// when it exists. Its credentials, subscription, resource group and
    /// cloud are used where no flag gives them.
    #[arg(long, value_name = "FILE", env = "AZAUDIT_CLOUD_CONFIG", global = true)]
    pub cloud_config: Option<PathBuf>,

    /// Ignore the cloud-config file even if the default one exists.
    #[arg(long, global = true, conflicts_with = "cloud_config")]
    pub no_cloud_config: bool,

    /// Discover subscription, resource group, location and cloud from the
    /// VM's instance metadata service (also on when the cloud-config says
    /// useInstanceMetadata). Fails within about 2 s off Azure.
    #[arg(long, global = true)]
    pub use_instance_metadata: bool,

    /// Override the Microsoft Graph endpoint (env AZAUDIT_GRAPH_ENDPOINT).
    /// Must be https, except for loopback addresses.
    #[arg(long, value_name = "URL", env = "AZAUDIT_GRAPH_ENDPOINT", global = true)]
    pub graph_endpoint: Option<String>,

    /// Override the ARM endpoint (sovereign or private clouds, tests).
    /// Must be https, except for loopback addresses.
    #[arg(long, value_name = "URL", env = "AZAUDIT_ARM_ENDPOINT", global = true)]
    pub arm_endpoint: Option<String>,

    /// How to authenticate.
    #[arg(long, value_enum, default_value = "auto", env = "AZAUDIT_AUTH", global = true)]
    pub auth: AuthMode,

    /// Client ID of a user-assigned managed identity.
    #[arg(long, value_name = "CLIENT_ID", env = "AZAUDIT_IDENTITY_CLIENT_ID", global = true)]
    pub identity_client_id: Option<String>,

    /// Most ARM requests per second per subscription. The default (10) is
    /// 40% of ARM's read refill rate, leaving the rest to the cluster.
    /// From 0.01 to 1000.
    #[arg(long, value_name = "N", default_value_t = crate::arm::limiter::DEFAULT_MAX_RPS, value_parser = parse_rps, global = true)]
    pub max_rps: f64,

    /// Slow down when the subscription's remaining ARM reads
    /// (x-ms-ratelimit-remaining-subscription-reads) fall below N, so the
    /// audit never drains the budget the cluster's cloud controller needs.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=100_000), global = true)]
    pub reserve_reads: u64,

    /// Retries per request after 429, 5xx, timeouts and connection errors
    /// (at most 100).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = parse_retries, global = true)]
    pub max_retries: usize,

    /// The most time one request may spend on retries, waits included
    /// (e.g. 60, 60s, 2m; above 0, at most a day). A Retry-After longer
    /// than what is left of it ends the request at once.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_bounded_duration, global = true)]
    pub retry_budget: Duration,

    /// Timeout of one HTTP request (e.g. 30s; above 0, at most a day).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_bounded_duration, global = true)]
    pub request_timeout: Duration,

    /// When the run must end: lists not finished by then are cut short
    /// (incomplete, exit 3) and the report is still written. Above 0, at
    /// most a day; give a CronJob's activeDeadlineSeconds more than this.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_bounded_duration, env = "AZAUDIT_DEADLINE", global = true)]
    pub deadline: Duration,

    /// Kubeconfig for the cluster. Default: KUBECONFIG, then
    /// ~/.kube/config, then the in-cluster service account (CronJob).
    #[arg(long, value_name = "FILE", global = true)]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use (default: the current context). Repeat it
    /// for a fleet run: each context's cluster is judged against its own
    /// view, and its findings carry the context's name.
    #[arg(long = "context", value_name = "NAME", global = true)]
    pub contexts: Vec<String>,

    /// Read the cluster from kubectl output instead of a live API server
    /// (repeatable; `-` for stdin): `kubectl get services,nodes,persistentvolumes
    /// -A -o json` (or -o yaml). No cluster credentials needed. `NAME=FILE`
    /// tags a file with the cluster it belongs to: files with different
    /// names are a fleet, each judged against its own view.
    #[arg(long = "cluster-file", value_name = "FILE", global = true, conflicts_with_all = ["kubeconfig", "contexts"])]
    pub cluster_files: Vec<PathBuf>,

    /// Do not read the cluster: run Azure-only checks. Verdicts that need
    /// the cluster (orphans, empty pools) are withheld and the report says so.
    #[arg(long, global = true, conflicts_with_all = ["kubeconfig", "contexts", "cluster_files"])]
    pub no_cluster: bool,

    /// The cloud provider's cluster name, matched against the
    /// k8s-azure-cluster-name (legacy kubernetes-cluster-name) tag. AKS uses
    /// the default.
    #[arg(
        long,
        value_name = "NAME",
        default_value = crate::collect::cluster::DEFAULT_CLUSTER_NAME,
        env = "AZAUDIT_CLUSTER_NAME",
        global = true
    )]
    pub cluster_name: String,

    /// The cluster's pod CIDR, as given to kube-controller-manager's
    /// --cluster-cidr (repeatable, or comma-separated, for dual-stack). Routes
    /// in it are the route controller's, which `route-stale` judges. AKS
    /// clusters need not give it: it is read from networkProfile.podCidrs.
    #[arg(long = "cluster-cidr", value_name = "CIDR", value_delimiter = ',', value_parser = parse_cidr, global = true)]
    pub cluster_cidrs: Vec<String>,

    /// Items per page when listing the cluster (kubectl's default is 500).
    #[arg(
        long,
        value_name = "N",
        default_value_t = crate::collect::cluster::DEFAULT_PAGE_SIZE,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub cluster_page_size: u32,

    /// More detail on stderr (-v: progress and statistics, -vv: every request).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// A duration as plain seconds (`60`, `0.5`) or in jiff's friendly form
/// (`60s`, `2m`, `1m 30s`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if let Ok(secs) = t.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Duration::try_from_secs_f64(secs).map_err(|_| format!("'{s}' is too long a duration"));
        }
        return Err(format!("'{s}' is not a duration"));
    }
    let d: jiff::SignedDuration = t.parse().map_err(|e| format!("'{s}' is not a duration ({e})"))?;
    Duration::try_from(d).map_err(|_| format!("'{s}' must not be negative"))
}

/// The longest duration a flag may give.
pub const MAX_FLAG_DURATION: Duration = Duration::from_secs(86_400);

/// A duration above 0 and at most a day.
pub fn parse_bounded_duration(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err(format!("'{s}' must be more than 0"));
    }
    if d > MAX_FLAG_DURATION {
        return Err(format!("'{s}' is more than a day (the most allowed)"));
    }
    Ok(d)
}

/// Requests per second, 0.01 to 1000.
pub fn parse_rps(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("'{s}' is not a number"))?;
    if !(0.01..=1000.0).contains(&v) {
        return Err(format!("'{s}' is outside 0.01 to 1000"));
    }
    Ok(v)
}

/// Retries, 0 to 100.
pub fn parse_retries(s: &str) -> Result<usize, String> {
    let v: usize = s.trim().parse().map_err(|_| format!("'{s}' is not a whole number"))?;
    if v > 100 {
        return Err(format!("'{s}' is more than 100"));
    }
    Ok(v)
}

/// A subscription ID: a GUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`).
pub fn parse_subscription(s: &str) -> Result<String, String> {
    let t = s.trim();
    if is_guid(t) {
        Ok(t.to_string())
    } else {
        Err(format!("'{s}' is not a subscription ID (a GUID such as 3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f)"))
    }
}

/// `--source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceArg {
    Auto,
    Arm,
    ResourceGraph,
}

/// A management group ID: 1 to 90 letters, digits, `-`, `_`, `(`, `)` and
/// `.`, not ending in a period (Azure's naming rule).
pub fn parse_management_group(s: &str) -> Result<String, String> {
    let t = s.trim();
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "-_().".contains(c);
    if !t.is_empty() && t.len() <= 90 && t.chars().all(ok_char) && !t.ends_with('.') {
        Ok(t.to_string())
    } else {
        Err(format!(
            "'{s}' is not a management group ID (1 to 90 letters, digits, '-', '_', '(', ')' or '.', such as mg-platform)"
        ))
    }
}

/// A CIDR such as `10.244.0.0/16` or `fd00:10:244::/56`, written back in
/// its canonical form.
pub fn parse_cidr(s: &str) -> Result<String, String> {
    match s.trim().parse::<ipnet::IpNet>() {
        Ok(n) => Ok(n.trunc().to_string()),
        Err(_) => Err(format!("'{s}' is not a CIDR (an address and a prefix length, such as 10.244.0.0/16)")),
    }
}

/// Whether `s` is a GUID in its 8-4-4-4-12 hex form.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A resource group name as ARM allows it: 1 to 90 characters, letters
/// (any script), digits, `_`, `-`, `.`, `(`, `)`, not ending with `.`.
pub fn parse_resource_group(s: &str) -> Result<String, String> {
    let t = s.trim();
    let ok = !t.is_empty()
        && t.chars().count() <= 90
        && !t.ends_with('.')
        && t.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')'));
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!("'{s}' is not a resource group name (1 to 90 letters, digits, _ - . ( ), not ending with .)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_flags_have_bounds() {
        assert!(parse_rps("0.01").is_ok() && parse_rps("1000").is_ok());
        for bad in ["1e-9", "0", "1001", "1e300", "NaN", "inf", "-1", "x"] {
            assert!(parse_rps(bad).is_err(), "{bad}");
        }
        assert!(parse_retries("100").is_ok());
        assert!(parse_retries("101").is_err() && parse_retries("-1").is_err());
        assert_eq!(parse_bounded_duration("24h"), Ok(MAX_FLAG_DURATION));
        for bad in ["0", "0s", "1e300", "86401", "2d", "-1", "18446744073709551615"] {
            assert!(parse_bounded_duration(bad).is_err(), "{bad}");
        }
        assert!(parse_duration("1e300").is_err(), "too long, not a panic");
    }

    #[test]
    fn subscriptions_are_guids_and_resource_groups_follow_arm() {
        assert!(parse_subscription("3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f").is_ok());
        for bad in ["not-a-guid", "3f2c1d4e5a6b4c7d8e9f0a1b2c3d4e5f", "3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5g", ""] {
            assert!(parse_subscription(bad).is_err(), "{bad}");
        }
        for ok in ["MC_aks-prod_aks-prod_westeurope", "rg.(1)", "ресурсы"] {
            assert!(parse_resource_group(ok).is_ok(), "{ok}");
        }
        for bad in ["", "rg.", "a/b", "a b", &"x".repeat(91)] {
            assert!(parse_resource_group(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn management_group_ids_follow_azures_naming_rule() {
        assert_eq!(parse_management_group(" mg-platform ").unwrap(), "mg-platform");
        assert!(parse_management_group("Contoso_(EU).prod").is_ok());
        for bad in ["", "a/b", "ends.", "has space", &"x".repeat(91)] {
            assert!(parse_management_group(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cluster_cidrs_are_canonical_networks() {
        assert_eq!(parse_cidr(" 10.244.3.7/16").as_deref(), Ok("10.244.0.0/16"));
        assert_eq!(parse_cidr("fd00:10:244::/56").as_deref(), Ok("fd00:10:244::/56"));
        for bad in ["10.244.0.0", "10.244.0.0/33", "pods", ""] {
            assert!(parse_cidr(bad).unwrap_err().contains("is not a CIDR"), "{bad}");
        }
    }

    #[test]
    fn durations_in_seconds_or_friendly_form() {
        assert_eq!(parse_duration("60"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-5").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
