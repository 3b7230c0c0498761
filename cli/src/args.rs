//! The command line the `flowpayroll` tool accepts: global flags, commands and their
//! arguments, parsed by clap. Nothing here talks to the network.

use clap::{Parser, Subcommand, ValueEnum};

/// The whole command line.
#[derive(Debug, Parser)]
#[command(
    name = "flowpayroll",
    version,
    about = "Manage Flow Payroll API tokens and client settings"
)]
pub struct Cli {
    /// Environment: sandbox or live [env: FLOWPAYROLL_ENVIRONMENT].
    #[arg(long, global = true, value_enum)]
    pub environment: Option<EnvironmentName>,
    /// Token endpoint URL [env: FLOWPAYROLL_TOKEN_URL].
    #[arg(long, global = true)]
    pub token_url: Option<String>,
    /// API base URL [env: FLOWPAYROLL_API_URL].
    #[arg(long, global = true)]
    pub api_url: Option<String>,
    /// Send this User-Id (audit log) [env: FLOWPAYROLL_USER_ID].
    #[arg(long, global = true)]
    pub user_id: Option<String>,
    /// How credentials reach the token endpoint [env: FLOWPAYROLL_TOKEN_AUTH].
    #[arg(long, global = true, value_enum)]
    pub token_auth: Option<TokenAuth>,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, global = true, value_enum)]
    pub output: Option<Output>,
    /// Also trust the certificate authorities in this PEM file (a private CA, a TLS
    /// inspecting proxy), on top of the system's.
    #[arg(
        long,
        global = true,
        env = "FLOWPAYROLL_CA_FILE",
        value_name = "PEM_FILE"
    )]
    pub ca_file: Option<std::path::PathBuf>,
    /// Log what the client does (token minted, retries...) to stderr; never secrets.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The client's tokens.
    Tokens {
        /// What to do with them.
        #[command(subcommand)]
        action: TokensAction,
    },
    /// Describe the token this client calls with.
    Introspect,
    /// Disconnect the token this client calls with.
    Disconnect,
    /// The client's settings.
    Client {
        /// What to do with them.
        #[command(subcommand)]
        action: ClientAction,
    },
    /// Access tokens.
    Token {
        /// What to do with one.
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Providers available in each mode.
    Providers,
    /// Connect an employer: print a sign-in link, wait for its callback on 127.0.0.1,
    /// exchange the code and print the connection (not its token unless asked).
    Connect {
        /// A scope to ask for; repeat it for several (at least one).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// The mode (official or xhr); default: the one the scopes name.
        #[arg(long)]
        mode: Option<String>,
        /// Skip the page's provider picker: sign in to this provider.
        #[arg(long)]
        provider: Option<String>,
        /// The local port the callback comes to (default: a free one). The client needs
        /// http://127.0.0.1/callback among its redirect URIs (the sandbox has it).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Do not try to open a browser; only print the link.
        #[arg(long)]
        no_browser: bool,
        /// Also print the connection's access token.
        #[arg(long)]
        show_token: bool,
        /// The sign-in page (default: the environment's) [env: FLOWPAYROLL_SIGN_IN_URL].
        #[arg(long, env = "FLOWPAYROLL_SIGN_IN_URL")]
        sign_in_url: Option<String>,
    },
    /// Receive and check webhook deliveries.
    Webhooks {
        /// What to do.
        #[command(subcommand)]
        action: WebhooksAction,
    },
    /// The embedded sandbox.
    Sandbox {
        /// What to do with it.
        #[command(subcommand)]
        action: SandboxAction,
    },
}

/// `flowpayroll tokens ...`
#[derive(Debug, Subcommand)]
pub enum TokensAction {
    /// List the tokens and whether each is valid.
    List,
}

/// `flowpayroll client ...`
#[derive(Debug, Subcommand)]
pub enum ClientAction {
    /// Show the client's settings (secrets are not printed).
    Get,
    /// Change the name or webhook URI; other settings are kept.
    Update {
        /// The new name.
        #[arg(long)]
        name: Option<String>,
        /// The new webhook URI.
        #[arg(long, conflicts_with = "no_webhook")]
        webhook_uri: Option<String>,
        /// Turn webhooks off (sends `webhook_uri: null`).
        #[arg(long)]
        no_webhook: bool,
    },
}

/// `flowpayroll token ...`
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Mint a token and print its jti and lifetime.
    Mint {
        /// Also print the token itself.
        #[arg(long)]
        show_token: bool,
    },
}

/// `flowpayroll webhooks ...` (the secret is FLOWPAYROLL_CLIENT_SECRET; during a rotation
/// FLOWPAYROLL_WEBHOOK_SECRETS, comma-separated, adds more).
#[derive(Debug, Subcommand)]
pub enum WebhooksAction {
    /// Receive deliveries on 127.0.0.1, verify and print each one, until Ctrl-C.
    Listen {
        /// The port (default: a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Also POST each verified delivery, with its headers, to this URL.
        #[arg(long)]
        forward: Option<String>,
    },
    /// Check a saved delivery body against its signature header.
    Verify {
        /// The file holding the raw body, exactly as received.
        #[arg(long)]
        body: std::path::PathBuf,
        /// The value of the x-flowpayroll-signature header.
        #[arg(long)]
        signature: String,
    },
}

/// `flowpayroll sandbox ...`
#[derive(Debug, Subcommand)]
pub enum SandboxAction {
    /// Run a sandbox on 127.0.0.1 until Ctrl-C.
    Serve {
        /// The port (default: a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Where the client's webhooks go from the start, an http(s) URL (default:
        /// none, webhooks off: the sandbox sends nothing until told where).
        #[arg(long, value_name = "URL")]
        webhook_uri: Option<String>,
        /// A quota on every endpoint but the token endpoint, CALLS/SECONDS (such as
        /// 40/300): past it in a window, a call is answered 429 with the window's
        /// exact Retry-After.
        #[arg(long, value_name = "CALLS/SECONDS")]
        quota: Option<flowpayroll::Quota>,
        /// A quota on one operation's endpoint, OPERATION=CALLS/SECONDS (such as
        /// list_tokens=10/1); repeatable, over --quota.
        #[arg(long = "quota-for", value_name = "OPERATION=CALLS/SECONDS", value_parser = operation_quota)]
        quota_for: Vec<(flowpayroll::operation::Operation, flowpayroll::Quota)>,
    },
}

/// `OPERATION=CALLS/SECONDS` of `--quota-for`.
fn operation_quota(
    text: &str,
) -> Result<(flowpayroll::operation::Operation, flowpayroll::Quota), String> {
    let (operation, quota) = text
        .split_once('=')
        .ok_or("expected OPERATION=CALLS/SECONDS, such as list_tokens=10/1")?;
    let operation = flowpayroll::operation::Operation::from_id(operation.trim())
        .ok_or("not an operation id of the spec (list_tokens, get_client...)")?;
    let quota = quota
        .parse()
        .map_err(|e: flowpayroll::Error| e.to_string())?;
    Ok((operation, quota))
}

/// `--environment`
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EnvironmentName {
    /// The Flow Payroll sandbox.
    Sandbox,
    /// Production.
    Live,
}

/// `--token-auth`
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TokenAuth {
    /// `client_secret_post`: credentials in the form body.
    Post,
    /// `client_secret_basic`: credentials in an `Authorization: Basic` header.
    Basic,
}

/// `--output`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// An aligned table.
    Table,
    /// Pretty-printed JSON.
    Json,
}
