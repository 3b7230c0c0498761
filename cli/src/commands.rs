//! What each command does: build the client from the environment and the flags, make
//! the calls, and turn the answers into a [`View`] for the renderer. `sandbox serve`
//! runs here too.

use std::io::Write as _;
use std::sync::Arc;

use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use flowpayroll::types::{ClientSettings, ClientUpdate};
use flowpayroll::{Environment, Error, FlowPayrollBuilder, TokenAuthMethod};
use serde_json::json;

use crate::args::{
    Cli, ClientAction, Command, EnvironmentName, Output, SandboxAction, TokenAction, TokenAuth,
    TokensAction, WebhooksAction,
};
use crate::failure::Failure;
use crate::render::{self, View};

/// Runs the command and prints its result on stdout in `output`.
pub async fn run(cli: Cli, output: Output) -> Result<(), Failure> {
    if let Command::Sandbox {
        action:
            SandboxAction::Serve {
                port,
                webhook_uri,
                quota,
                quota_for,
            },
    } = cli.command
    {
        let mut config = SandboxConfig::default()
            .with_port(port)
            .with_quotas(quota_for);
        if let Some(quota) = quota {
            config = config.with_quota(quota);
        }
        return serve(config, webhook_uri).await;
    }
    if let Command::Webhooks { action } = cli.command {
        return match action {
            WebhooksAction::Listen { port, forward } => {
                crate::webhooks::listen(port, forward).await
            }
            WebhooksAction::Verify { body, signature } => {
                crate::webhooks::verify(&body, &signature)
            }
        };
    }
    let fp = configure(&cli)?.build()?;
    let view = match cli.command {
        Command::Tokens {
            action: TokensAction::List,
        } => {
            let tokens = fp.management().tokens().await?;
            let rows = tokens
                .iter()
                .map(|t| {
                    vec![
                        t.token.clone(),
                        t.provider.to_string(),
                        t.mode.to_string(),
                        t.valid.to_string(),
                        t.created_at.map(|c| c.to_rfc3339()).unwrap_or_default(),
                        t.scopes.len().to_string(),
                    ]
                })
                .collect();
            View::new(
                json!(tokens),
                &["TOKEN", "PROVIDER", "MODE", "VALID", "CREATED", "SCOPES"],
                rows,
            )
        }
        Command::Introspect => {
            let me = fp.management().introspect().await?;
            let scopes = me
                .scopes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            let row = vec![
                me.client_id.clone(),
                me.provider.to_string(),
                me.mode.to_string(),
                scopes,
            ];
            View::new(
                json!(me),
                &["CLIENT", "PROVIDER", "MODE", "SCOPES"],
                vec![row],
            )
        }
        Command::Disconnect => {
            let result = fp.management().disconnect().await?;
            let row = vec![result.disconnected.to_string()];
            View::new(json!(result), &["DISCONNECTED"], vec![row])
        }
        Command::Client {
            action: ClientAction::Get,
        } => client_view(&fp.management().client().await?),
        Command::Client {
            action:
                ClientAction::Update {
                    name,
                    webhook_uri,
                    no_webhook,
                },
        } => {
            let current = fp.management().client().await?;
            let update = ClientUpdate::builder()
                .name(name.unwrap_or(current.name))
                .client_secret(current.client_secret)
                .redirect_uris(current.redirect_uris);
            // The current webhook is sent back as it is, so that the update keeps it
            // whether the server treats a left-out field as "keep" or as "clear".
            let update = match webhook_uri.or(current.webhook_uri) {
                _ if no_webhook => update.clear_webhook_uri(),
                Some(uri) => update.webhook_uri(uri),
                None => update,
            }
            .build();
            client_view(&fp.management().update_client(&update).await?)
        }
        Command::Token {
            action: TokenAction::Mint { show_token },
        } => {
            let status = fp.authenticate().await?;
            // Exact for JSON (the table escapes its cells); `Display` would escape it.
            let jti = match status.token_id {
                Some(flowpayroll::TokenId::Jti(jti)) => jti,
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let lifetime = status.valid_for.map(|d| d.as_secs()).unwrap_or_default();
            let mut value = json!({"jti": jti, "expires_in": lifetime});
            let mut row = vec![jti, format!("{lifetime} s")];
            let mut headers = vec!["JTI", "EXPIRES IN"];
            if show_token {
                let token = fp.access_token().await?;
                value["access_token"] = json!(token.expose_secret());
                row.push(token.expose_secret().to_owned());
                headers.push("ACCESS TOKEN");
            }
            View::new(value, &headers, vec![row])
        }
        Command::Providers => {
            let groups = fp.providers().await?;
            let rows = groups
                .iter()
                .map(|g| {
                    let names: Vec<String> = g.providers.iter().map(ToString::to_string).collect();
                    vec![g.mode.to_string(), names.join(", ")]
                })
                .collect();
            View::new(json!(groups), &["MODE", "PROVIDERS"], rows)
        }
        Command::Connect {
            scopes,
            mode,
            provider,
            port,
            no_browser,
            show_token,
            sign_in_url,
        } => {
            let request = crate::connect::Request {
                scopes,
                mode,
                provider,
                port,
                open_browser: !no_browser,
                show_token,
                sign_in_url,
            };
            crate::connect::run(fp, request).await?
        }
        Command::Sandbox { .. } | Command::Webhooks { .. } => unreachable!("handled above"),
    };
    render::print(&mut std::io::stdout().lock(), output, &view)?;
    Ok(())
}

/// The builder from the environment variables, then the flags.
fn configure(cli: &Cli) -> Result<FlowPayrollBuilder, Error> {
    let mut builder = FlowPayrollBuilder::from_env()?;
    if let Some(environment) = cli.environment {
        builder = builder.environment(match environment {
            EnvironmentName::Sandbox => Environment::Sandbox,
            EnvironmentName::Live => Environment::Live,
        });
    }
    if let Some(url) = &cli.token_url {
        builder = builder.token_url(url);
    }
    if let Some(url) = &cli.api_url {
        builder = builder.api_url(url);
    }
    if let Some(user) = &cli.user_id {
        builder = builder.user_id(user);
    }
    if let Some(path) = &cli.ca_file {
        builder = builder.add_root_certificate(read_ca_file(path)?);
    }
    if let Some(method) = cli.token_auth {
        builder = builder.token_auth(match method {
            TokenAuth::Post => TokenAuthMethod::ClientSecretPost,
            TokenAuth::Basic => TokenAuthMethod::ClientSecretBasic,
        });
    }
    Ok(builder)
}

/// The largest CA file read: a bundle of every public root is about 250 KiB.
const CA_FILE_LIMIT: u64 = 4 * 1024 * 1024;

/// The bytes of `--ca-file`, read up to [`CA_FILE_LIMIT`].
fn read_ca_file(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    use std::io::Read as _;
    let unreadable = |reason: String| {
        Error::Config(format!(
            "--ca-file (FLOWPAYROLL_CA_FILE) {}: {reason}",
            crate::escape::escape(&path.display().to_string())
        ))
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let mut pem = Vec::new();
    file.take(CA_FILE_LIMIT + 1)
        .read_to_end(&mut pem)
        .map_err(|e| unreadable(e.to_string()))?;
    if u64::try_from(pem.len()).unwrap_or(u64::MAX) > CA_FILE_LIMIT {
        return Err(unreadable(format!(
            "larger than {} MiB; it should hold PEM certificates only",
            CA_FILE_LIMIT / 1024 / 1024
        )));
    }
    Ok(pem)
}

/// Client settings without the secrets' values.
fn client_view(settings: &ClientSettings) -> View {
    let value = json!({
        "client_id": settings.client_id,
        "name": settings.name,
        "webhook_uri": settings.webhook_uri,
        "redirect_uris": settings.redirect_uris,
        "client_secrets": settings.client_secret.len(),
    });
    let row = vec![
        settings.client_id.clone(),
        settings.name.clone(),
        settings.webhook_uri.clone().unwrap_or_default(),
        settings.redirect_uris.join(" "),
        format!("{} (hidden)", settings.client_secret.len()),
    ];
    View::new(
        value,
        &["CLIENT", "NAME", "WEBHOOK", "REDIRECT URIS", "SECRETS"],
        vec![row],
    )
}

/// `sandbox serve`: a sandbox on 127.0.0.1 and the exports that point a shell at it.
async fn serve(mut config: SandboxConfig, webhook_uri: Option<String>) -> Result<(), Failure> {
    if let Some(uri) = webhook_uri.clone() {
        let parsed = flowpayroll::deps::url::Url::parse(&uri).ok();
        if !parsed.is_some_and(|url| matches!(url.scheme(), "http" | "https")) {
            return Err(Error::Config("--webhook-uri is not an http(s) URL".to_owned()).into());
        }
        config = config.with_webhook_uri(uri);
    }
    let sandbox = Sandbox::start_with(config).await?;
    let control = sandbox
        .url()
        .join("/__sandbox/stats")
        .map_err(|e| Error::Config(format!("the sandbox's control URL: {e}")))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "Flow Payroll sandbox on {}", sandbox.url())?;
    writeln!(out)?;
    writeln!(
        out,
        "  export FLOWPAYROLL_TOKEN_URL={}",
        sandbox.token_url()
    )?;
    writeln!(out, "  export FLOWPAYROLL_API_URL={}", sandbox.url())?;
    writeln!(
        out,
        "  export FLOWPAYROLL_CLIENT_ID={}",
        sandbox.client_id()
    )?;
    writeln!(
        out,
        "  export FLOWPAYROLL_CLIENT_SECRET={}",
        sandbox.client_secret().expose_secret()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Control API (stats, faults, quotas, reset): curl {control}"
    )?;
    let deliver = sandbox
        .url()
        .join("/__sandbox/webhooks/deliver")
        .map_err(|e| Error::Config(format!("the sandbox's control URL: {e}")))?;
    match webhook_uri {
        Some(uri) => writeln!(
            out,
            "Webhooks go to {}; deliver one: curl -X POST {deliver}",
            crate::escape::escape(&uri)
        )?,
        None => writeln!(
            out,
            "Webhooks are off (--webhook-uri URL, or client update --webhook-uri, turns them on)"
        )?,
    }
    writeln!(
        out,
        "Connect an employer (sign-in page {}): flowpayroll connect --scope /2023-03-01/official/employees",
        sandbox.sign_in_url()
    )?;
    writeln!(out, "Ctrl-C stops it.")?;
    out.flush()?;
    drop(out);
    tokio::signal::ctrl_c().await.map_err(|e| Error::Io {
        context: "cannot wait for Ctrl-C".to_owned(),
        source: Arc::new(e),
    })?;
    sandbox.shutdown().await;
    Ok(())
}
