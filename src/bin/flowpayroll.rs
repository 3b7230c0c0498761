//! `flowpayroll`: the Flow Payroll management API from a shell (feature `cli`).
//!
//! Configuration comes from the same `FLOWPAYROLL_*` variables as
//! `FlowPayroll::from_env()`, overridden by flags. Output is a table on a terminal and
//! JSON when piped (`--output` chooses). Errors are one sentence on stderr, exit code 1;
//! usage errors exit 2.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use flowpayroll::{Environment, Error, FlowPayrollBuilder, TokenAuthMethod};
use serde_json::{json, Value};

#[derive(Debug, Parser)]
#[command(
    name = "flowpayroll",
    version,
    about = "Manage Flow Payroll API tokens and client settings"
)]
struct Cli {
    /// Environment: sandbox or live [env: FLOWPAYROLL_ENVIRONMENT].
    #[arg(long, global = true, value_enum)]
    environment: Option<EnvironmentName>,
    /// Token endpoint URL [env: FLOWPAYROLL_TOKEN_URL].
    #[arg(long, global = true)]
    token_url: Option<String>,
    /// API base URL [env: FLOWPAYROLL_API_URL].
    #[arg(long, global = true)]
    api_url: Option<String>,
    /// Send this User-Id (audit log) [env: FLOWPAYROLL_USER_ID].
    #[arg(long, global = true)]
    user_id: Option<String>,
    /// How credentials reach the token endpoint [env: FLOWPAYROLL_TOKEN_AUTH].
    #[arg(long, global = true, value_enum)]
    token_auth: Option<TokenAuth>,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, global = true, value_enum)]
    output: Option<Output>,
    /// Log what the client does (token minted, retries...) to stderr; never secrets.
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The client's tokens.
    Tokens {
        #[command(subcommand)]
        action: TokensAction,
    },
    /// Describe the token this client calls with.
    Introspect,
    /// Disconnect the token this client calls with.
    Disconnect,
    /// The client's settings.
    Client {
        #[command(subcommand)]
        action: ClientAction,
    },
    /// Access tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Providers available in each mode.
    Providers,
    /// The embedded sandbox.
    Sandbox {
        #[command(subcommand)]
        action: SandboxAction,
    },
}

#[derive(Debug, Subcommand)]
enum TokensAction {
    /// List the tokens and whether each is valid.
    List,
}

#[derive(Debug, Subcommand)]
enum ClientAction {
    /// Show the client's settings (secrets are not printed).
    Get,
    /// Change the name or webhook URI; other settings are kept.
    Update {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        webhook_uri: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Mint a token and print its jti and lifetime.
    Mint {
        /// Also print the token itself.
        #[arg(long)]
        show_token: bool,
    },
}

#[derive(Debug, Subcommand)]
enum SandboxAction {
    /// Run a sandbox on 127.0.0.1 until Ctrl-C.
    Serve {
        /// The port (default: a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EnvironmentName {
    Sandbox,
    Live,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TokenAuth {
    Post,
    Basic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Table,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.verbose {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(tracing::Level::DEBUG)
            .with_target(true)
            .init();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", sentence(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error as one sentence, with the HTTP status and the server's message.
fn sentence(error: &Error) -> String {
    match error.as_api() {
        Some(api) => {
            let mut text = format!("`{}` failed with HTTP {}", api.operation(), api.status());
            match api.message() {
                Some(message) => text.push_str(&format!(": {message}")),
                None if !api.raw_body().is_empty() => {
                    text.push_str(&format!(": {}", api.raw_body()))
                }
                None => {}
            }
            text
        }
        None => error.to_string(),
    }
}

async fn run(cli: Cli) -> Result<(), Error> {
    let output = cli.output.unwrap_or(if std::io::stdout().is_terminal() {
        Output::Table
    } else {
        Output::Json
    });
    if let Command::Sandbox {
        action: SandboxAction::Serve { port },
    } = cli.command
    {
        return serve(port).await;
    }
    let fp = configure(&cli)?.build()?;
    match cli.command {
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
            print(
                output,
                &json!(tokens),
                &["TOKEN", "PROVIDER", "MODE", "VALID", "CREATED", "SCOPES"],
                rows,
            );
        }
        Command::Introspect => {
            let me = fp.management().introspect().await?;
            let scopes = me
                .scopes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            let rows = vec![vec![
                me.client_id.clone(),
                me.provider.to_string(),
                me.mode.to_string(),
                scopes,
            ]];
            print(
                output,
                &json!(me),
                &["CLIENT", "PROVIDER", "MODE", "SCOPES"],
                rows,
            );
        }
        Command::Disconnect => {
            let result = fp.management().disconnect().await?;
            print(
                output,
                &json!(result),
                &["DISCONNECTED"],
                vec![vec![result.disconnected.to_string()]],
            );
        }
        Command::Client {
            action: ClientAction::Get,
        } => {
            let settings = fp.management().client().await?;
            print(
                output,
                &client_view(&settings),
                &["CLIENT", "NAME", "WEBHOOK", "REDIRECT URIS", "SECRETS"],
                client_rows(&settings),
            );
        }
        Command::Client {
            action: ClientAction::Update { name, webhook_uri },
        } => {
            let current = fp.management().client().await?;
            let update = flowpayroll::types::ClientUpdate {
                name: name.unwrap_or(current.name),
                webhook_uri: webhook_uri.or(current.webhook_uri),
                client_secret: current.client_secret,
                redirect_uris: current.redirect_uris,
            };
            let settings = fp.management().update_client(&update).await?;
            print(
                output,
                &client_view(&settings),
                &["CLIENT", "NAME", "WEBHOOK", "REDIRECT URIS", "SECRETS"],
                client_rows(&settings),
            );
        }
        Command::Token {
            action: TokenAction::Mint { show_token },
        } => {
            let status = fp.authenticate().await?;
            let jti = status.token_id.map(|id| id.to_string()).unwrap_or_default();
            let lifetime = status.valid_for.map(|d| d.as_secs()).unwrap_or_default();
            let mut view = json!({"jti": jti, "expires_in": lifetime});
            let mut row = vec![jti, format!("{lifetime} s")];
            let mut headers = vec!["JTI", "EXPIRES IN"];
            if show_token {
                let token = fp.access_token().await?;
                view["access_token"] = json!(token.expose_secret());
                row.push(token.expose_secret().to_owned());
                headers.push("ACCESS TOKEN");
            }
            print(output, &view, &headers, vec![row]);
        }
        Command::Providers => {
            let groups = fp.providers().await?;
            let rows = groups
                .iter()
                .map(|g| {
                    vec![
                        g.mode.to_string(),
                        g.providers
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                    ]
                })
                .collect();
            print(output, &json!(groups), &["MODE", "PROVIDERS"], rows);
        }
        Command::Sandbox { .. } => unreachable!("handled above"),
    }
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
    if let Some(method) = cli.token_auth {
        builder = builder.token_auth(match method {
            TokenAuth::Post => TokenAuthMethod::ClientSecretPost,
            TokenAuth::Basic => TokenAuthMethod::ClientSecretBasic,
        });
    }
    Ok(builder)
}

/// Client settings without the secrets' values.
fn client_view(settings: &flowpayroll::types::ClientSettings) -> Value {
    json!({
        "client_id": settings.client_id,
        "name": settings.name,
        "webhook_uri": settings.webhook_uri,
        "redirect_uris": settings.redirect_uris,
        "client_secrets": settings.client_secret.len(),
    })
}

fn client_rows(settings: &flowpayroll::types::ClientSettings) -> Vec<Vec<String>> {
    vec![vec![
        settings.client_id.clone(),
        settings.name.clone(),
        settings.webhook_uri.clone().unwrap_or_default(),
        settings.redirect_uris.join(" "),
        format!("{} (hidden)", settings.client_secret.len()),
    ]]
}

fn print(output: Output, value: &Value, headers: &[&str], rows: Vec<Vec<String>>) {
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(value).expect("JSON values serialize")
        ),
        Output::Table => print!("{}", table(headers, &rows)),
    }
}

/// A plain aligned table.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

async fn serve(port: u16) -> Result<(), Error> {
    let sandbox = Sandbox::start_with(SandboxConfig {
        port,
        ..SandboxConfig::default()
    })
    .await?;
    println!("Flow Payroll sandbox on {}", sandbox.url());
    println!();
    println!("  export FLOWPAYROLL_TOKEN_URL={}", sandbox.token_url());
    println!("  export FLOWPAYROLL_API_URL={}", sandbox.url());
    println!("  export FLOWPAYROLL_CLIENT_ID={}", sandbox.client_id());
    println!(
        "  export FLOWPAYROLL_CLIENT_SECRET={}",
        sandbox.client_secret().expose_secret()
    );
    println!();
    println!("Ctrl-C stops it.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Error::Config(format!("cannot wait for Ctrl-C: {e}")))?;
    sandbox.shutdown();
    Ok(())
}
