//! Azure clouds and the endpoints that belong together in each: ARM, the
//! sign-in authority and Microsoft Graph.

/// A named Azure cloud (`cloud` in azure.json, `azEnvironment` in IMDS).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
pub enum Cloud {
    #[value(name = "AzurePublicCloud")]
    AzurePublicCloud,
    #[value(name = "AzureChinaCloud")]
    AzureChinaCloud,
    #[value(name = "AzureUSGovernmentCloud")]
    AzureUSGovernmentCloud,
}

impl Cloud {
    pub fn arm_endpoint(self) -> &'static str {
        match self {
            Cloud::AzurePublicCloud => "https://management.azure.com",
            Cloud::AzureChinaCloud => "https://management.chinacloudapi.cn",
            Cloud::AzureUSGovernmentCloud => "https://management.usgovcloudapi.net",
        }
    }

    /// The scope for ARM tokens (the audience stays the cloud's even when the
    /// endpoint is overridden).
    pub fn arm_scope(self) -> String {
        format!("{}/.default", self.arm_endpoint())
    }

    pub fn authority_host(self) -> &'static str {
        match self {
            Cloud::AzurePublicCloud => "https://login.microsoftonline.com",
            Cloud::AzureChinaCloud => "https://login.chinacloudapi.cn",
            Cloud::AzureUSGovernmentCloud => "https://login.microsoftonline.us",
        }
    }

    pub fn graph_endpoint(self) -> &'static str {
        match self {
            Cloud::AzurePublicCloud => "https://graph.microsoft.com",
            Cloud::AzureChinaCloud => "https://microsoftgraph.chinacloudapi.cn",
            Cloud::AzureUSGovernmentCloud => "https://graph.microsoft.us",
        }
    }

    /// Parse a cloud name as azure.json and IMDS spell it, ignoring case.
    pub fn from_name(name: &str) -> Option<Cloud> {
        match name.trim().to_ascii_lowercase().as_str() {
            "azurepubliccloud" | "azurecloud" | "public" => Some(Cloud::AzurePublicCloud),
            "azurechinacloud" | "china" => Some(Cloud::AzureChinaCloud),
            "azureusgovernmentcloud" | "azureusgovernment" | "usgov" => Some(Cloud::AzureUSGovernmentCloud),
            _ => None,
        }
    }
}
