//! Credential selection and every credential path, through an injected
//! transport (Entra ID requires https, so no plain-http mock can stand in)
//! and a fake Azure CLI executor.

use super::*;
use azure_core::http::request::{Body, Request};
use azure_core::http::{AsyncRawResponse, headers::Headers};
use std::ffi::OsStr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Answers token requests with `answer(url, body)` and records them.
#[derive(Debug, Default)]
struct FakeSts {
    seen: Mutex<Vec<(String, String)>>,
    fail_with: Option<(u16, String)>,
}

#[async_trait::async_trait]
impl HttpClient for FakeSts {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let body = match request.body() {
            Body::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
            #[allow(unreachable_patterns)]
            _ => String::new(),
        };
        self.seen.lock().unwrap().push((request.url().to_string(), body));
        if let Some((status, text)) = &self.fail_with {
            return Ok(AsyncRawResponse::from_bytes((*status).into(), Headers::new(), text.clone().into_bytes()));
        }
        let n = self.seen.lock().unwrap().len();
        // A short-lived token, so every call asks again (as after rotation).
        let json =
            format!(r#"{{"token_type":"Bearer","expires_in":60,"ext_expires_in":60,"access_token":"sts-token-{n}"}}"#);
        Ok(AsyncRawResponse::from_bytes(200.into(), Headers::new(), json.into_bytes()))
    }
}

fn settings(mode: AuthMode, sts: Arc<FakeSts>, env: &[(&str, &str)], cfg: Option<&str>) -> AuthSettings {
    AuthSettings {
        mode,
        identity_client_id: None,
        cloud: Cloud::AzurePublicCloud,
        cloud_config: cfg.map(|t| {
            let mut c = CloudConfig::parse(t).unwrap();
            c.path = "/etc/kubernetes/azure.json".into();
            c
        }),
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        imds: Imds::Known(false),
        transport: sts.clone(),
        local_transport: sts,
        cli_executor: None,
    }
}

const SCOPE: &[&str] = &["https://management.azure.com/.default"];
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const APP: &str = "11111111-2222-3333-4444-555555555555";

fn secret_config() -> String {
    format!(r#"{{"tenantId":"{TENANT}","aadClientId":"{APP}","aadClientSecret":"cfg-s3cret","subscriptionId":"s"}}"#)
}

#[tokio::test]
async fn client_secret_from_cloud_config_signs_in_at_the_cloud_authority() {
    crate::install_crypto_provider();
    for (cloud, host) in [
        (Cloud::AzurePublicCloud, "login.microsoftonline.com"),
        (Cloud::AzureChinaCloud, "login.chinacloudapi.cn"),
        (Cloud::AzureUSGovernmentCloud, "login.microsoftonline.us"),
    ] {
        let sts = Arc::new(FakeSts::default());
        let mut s = settings(AuthMode::Auto, sts.clone(), &[], Some(&secret_config()));
        s.cloud = cloud;
        let chosen = choose(&s).await.unwrap();
        assert_eq!(chosen.kind, "client-secret");
        assert_eq!(chosen.client_id.as_deref(), Some(APP));
        assert!(chosen.source.contains("azure.json"), "{}", chosen.source);
        let t = chosen.credential.get_token(SCOPE, None).await.unwrap();
        assert!(t.token.secret().starts_with("sts-token-"));
        let seen = sts.seen.lock().unwrap();
        assert_eq!(seen[0].0, format!("https://{host}/{TENANT}/oauth2/v2.0/token"));
        assert!(seen[0].1.contains("grant_type=client_credentials"));
        assert!(seen[0].1.contains("client_secret=cfg-s3cret"));
    }
}

#[tokio::test]
async fn expired_client_secret_names_the_application() {
    let sts = Arc::new(FakeSts {
        fail_with: Some((
            401,
            format!(
                r#"{{"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app '{APP}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret\r\nTrace ID: x","error_codes":[7000222]}}"#
            ),
        )),
        ..Default::default()
    });
    let s = settings(
        AuthMode::ClientSecret,
        sts,
        &[("AZURE_CLIENT_ID", APP), ("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_SECRET", "env-secret")],
        None,
    );
    let chosen = choose(&s).await.unwrap();
    assert_eq!(chosen.source, "AZURE_CLIENT_SECRET");
    let e = chosen.credential.get_token(SCOPE, None).await.unwrap_err();
    let line = explain_token_error(&e.to_string(), chosen.client_id.as_deref());
    assert!(line.contains(&format!("application {APP} has expired")), "{line}");
    assert!(line.contains("azaudit sp-expiry"), "{line}");
    assert!(!line.contains('\n'));
    assert!(!line.contains("env-secret"));
    // Other errors pass through as one line.
    assert_eq!(explain_token_error("a\nb", None), "a b");
}

#[tokio::test]
async fn workload_identity_rereads_the_rotated_token_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "assertion-one").unwrap();
    let sts = Arc::new(FakeSts::default());
    let f = file.to_str().unwrap();
    let s = settings(
        AuthMode::Auto,
        sts.clone(),
        &[
            ("AZURE_FEDERATED_TOKEN_FILE", f),
            ("AZURE_CLIENT_ID", APP),
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com/"),
        ],
        Some(&secret_config()),
    );
    let chosen = choose(&s).await.unwrap();
    assert_eq!(chosen.kind, "workload-identity", "workload identity comes first");
    chosen.credential.get_token(SCOPE, None).await.unwrap();
    std::fs::write(&file, "assertion-two").unwrap();
    chosen.credential.get_token(SCOPE, None).await.unwrap();
    let seen = sts.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].1.contains("client_assertion=assertion-one"), "{}", seen[0].1);
    assert!(seen[1].1.contains("client_assertion=assertion-two"), "{}", seen[1].1);
}

#[derive(Debug, Default)]
struct FakeAz {
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl azure_identity::Executor for FakeAz {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> std::io::Result<std::process::Output> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let line = format!(
            "{} {}",
            program.to_string_lossy(),
            args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ")
        );
        assert!(line.contains("get-access-token"), "{line}");
        let exp = jiff::Timestamp::now().as_second() + 3600;
        let out = format!(
            r#"{{"accessToken":"cli-token","expiresOn":"2099-01-01 00:00:00.000000","expires_on":{exp},"subscription":"s","tenant":"{TENANT}","tokenType":"Bearer"}}"#
        );
        use std::os::unix::process::ExitStatusExt;
        Ok(std::process::Output {
            status: std::process::ExitStatus::from_raw(0),
            stdout: out.into_bytes(),
            stderr: Vec::new(),
        })
    }
}

#[tokio::test]
async fn azure_cli_is_last_and_its_tokens_are_cached() {
    let az = Arc::new(FakeAz::default());
    let mut s = settings(AuthMode::Auto, Arc::new(FakeSts::default()), &[], None);
    s.cli_executor = Some(az.clone());
    let chosen = choose(&s).await.unwrap();
    assert_eq!(chosen.kind, "azure-cli");
    assert_eq!(chosen.skipped.len(), 4, "{:?}", chosen.skipped);
    for _ in 0..3 {
        assert_eq!(chosen.credential.get_token(SCOPE, None).await.unwrap().token.secret(), "cli-token");
    }
    assert_eq!(az.calls.load(Ordering::SeqCst), 1, "the CLI runs once; later calls hit the cache");
    chosen.credential.invalidate().unwrap();
    chosen.credential.get_token(SCOPE, None).await.unwrap();
    assert_eq!(az.calls.load(Ordering::SeqCst), 2, "invalidate forces a fresh token");
}

#[tokio::test]
async fn selection_order_and_reasons() {
    let sts = Arc::new(FakeSts::default());
    // The environment's secret loses to azure.json's.
    let env = [("AZURE_CLIENT_ID", "env-app"), ("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_SECRET", "x")];
    let c = choose(&settings(AuthMode::Auto, sts.clone(), &env, Some(&secret_config()))).await.unwrap();
    assert_eq!(c.client_id.as_deref(), Some(APP));
    // Without azure.json, the environment's secret is used.
    let c = choose(&settings(AuthMode::Auto, sts.clone(), &env, None)).await.unwrap();
    assert_eq!((c.kind, c.client_id.as_deref()), ("client-secret", Some("env-app")));
    // useManagedIdentityExtension with a user-assigned identity.
    let msi = r#"{"useManagedIdentityExtension":true,"userAssignedIdentityID":"uai-client","aadClientId":"msi","aadClientSecret":"msi"}"#;
    let c = choose(&settings(AuthMode::Auto, sts.clone(), &[], Some(msi))).await.unwrap();
    assert_eq!((c.kind, c.client_id.as_deref()), ("managed-identity", Some("uai-client")));
    // App Service style managed identity.
    let c = choose(&settings(
        AuthMode::Auto,
        sts.clone(),
        &[("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi"), ("IDENTITY_HEADER", "h")],
        None,
    ))
    .await
    .unwrap();
    assert_eq!(c.kind, "managed-identity");
    // IMDS answered.
    let mut s = settings(AuthMode::Auto, sts.clone(), &[], None);
    s.imds = Imds::Known(true);
    assert_eq!(choose(&s).await.unwrap().kind, "managed-identity");
    // A forced mode with nothing configured is a clear error.
    let e = match choose(&settings(AuthMode::ClientSecret, sts.clone(), &[], None)).await {
        Err(e) => e,
        Ok(_) => panic!("expected an error"),
    };
    assert!(e.contains("--auth client-secret"), "{e}");
    let e = match choose(&settings(AuthMode::WorkloadIdentity, sts, &[], None)).await {
        Err(e) => e,
        Ok(_) => panic!("expected an error"),
    };
    assert!(e.contains("AZURE_FEDERATED_TOKEN_FILE"), "{e}");
}
