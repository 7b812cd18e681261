//! `azure-mock`: serve a scenario, or generate a synthetic one.

use azure_mock::{Scenario, synth};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "azure-mock",
    version,
    about = "A mock of Azure Resource Manager and managed identity for azaudit's tests."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve a scenario. Prints the base URL on the first line of stdout.
    Serve {
        #[arg(long, value_name = "FILE")]
        scenario: PathBuf,
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
    },
    /// Write a synthetic scenario (JSON) generated from parameters.
    Synth {
        /// Parameters as JSON (see synth::Params); defaults for the rest.
        #[arg(long, default_value = "{}")]
        params: String,
        #[arg(short = 'o', long = "output-file", value_name = "FILE")]
        output: PathBuf,
    },
    /// Write the cluster of a synthetic scenario as `kubectl get
    /// services,nodes,persistentvolumes -A -o json` prints it.
    ClusterFile {
        /// Parameters as JSON (see synth::Params); defaults for the rest.
        #[arg(long, default_value = "{}")]
        params: String,
        /// Which of the scenario's clusters (`clusters` in the parameters),
        /// from 0.
        #[arg(long, default_value_t = 0)]
        cluster: usize,
        #[arg(short = 'o', long = "output-file", value_name = "FILE")]
        output: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("azure-mock: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Cmd::Serve { scenario, listen } => {
            let text = std::fs::read(&scenario).map_err(|e| format!("cannot read {}: {e}", scenario.display()))?;
            let sc: Scenario = serde_json::from_slice(&text)
                .map_err(|e| format!("{}: line {}, column {}: {e}", scenario.display(), e.line(), e.column()))?;
            let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            rt.block_on(async {
                let (_app, url, fut) = azure_mock::bind(sc, &listen).await.map_err(|e| {
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        format!("{}: {e}", scenario.display())
                    } else {
                        format!("cannot listen on {listen}: {e}")
                    }
                })?;
                println!("{url}");
                let _ = std::io::stdout().flush();
                fut.await.map_err(|e| e.to_string())
            })
        }
        Cmd::Synth { params, output } => {
            let p: synth::Params = serde_json::from_str(&params).map_err(|e| format!("--params: {e}"))?;
            let sc = synth::generate(&p);
            sc.validate().map_err(|e| format!("the generated scenario: {e}"))?;
            let json = serde_json::to_vec(&sc).map_err(|e| e.to_string())?;
            std::fs::write(&output, json).map_err(|e| format!("cannot write {}: {e}", output.display()))
        }
        Cmd::ClusterFile { params, cluster, output } => {
            let p: synth::Params = serde_json::from_str(&params).map_err(|e| format!("--params: {e}"))?;
            let (_, clusters) = synth::generate_fleet(&p);
            let n = clusters.len();
            let c = clusters
                .into_iter()
                .nth(cluster)
                .ok_or_else(|| format!("--cluster {cluster}: the scenario has {n} cluster(s), numbered from 0"))?;
            let json = serde_json::to_vec_pretty(&synth::cluster_list(c)).map_err(|e| e.to_string())?;
            std::fs::write(&output, json).map_err(|e| format!("cannot write {}: {e}", output.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `serve` refuses a scenario file that does not match the specs, and the
    /// error names the file and the JSON path.
    #[test]
    fn serve_names_the_file_and_the_path_of_an_invalid_property() {
        let path = std::env::temp_dir().join(format!("azure-mock-invalid-{}.json", std::process::id()));
        let sc = serde_json::json!({"resources": [{
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip",
            "name": "ip", "type": "Microsoft.Network/publicIPAddresses",
            "properties": {"IpAddress": "20.0.0.1"}
        }]});
        std::fs::write(&path, sc.to_string()).unwrap();
        let err =
            run(Cli { command: Cmd::Serve { scenario: path.clone(), listen: "127.0.0.1:0".into() } }).unwrap_err();
        let _ = std::fs::remove_file(&path);
        assert!(err.starts_with(&format!("{}: 1 place(s) do not match", path.display())), "{err}");
        assert!(err.contains("resources[0] (/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip).properties.IpAddress: mis-cased; the spec spells it `ipAddress`"), "{err}");
    }
}
