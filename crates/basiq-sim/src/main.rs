//! `basiq-sim` binary: runs the Basiq 2.1 / 3.0 simulator on its own port until Ctrl-C / SIGTERM.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::Parser;

/// A faithful Basiq 2.1 / 3.0 API simulator with a Consent UI.
#[derive(Debug, Parser)]
#[command(name = "basiq-sim", version, about)]
struct Args {
    /// Port to listen on.
    #[arg(long, env = "BASIQ_SIM_PORT", default_value_t = 9090)]
    port: u16,
    /// Address to listen on.
    #[arg(long, env = "BASIQ_SIM_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// API key accepted by `POST /token` (sent as `Authorization: Basic <key>`).
    #[arg(long, env = "BASIQ_SIM_API_KEY", default_value = "sim-api-key")]
    api_key: String,
    /// Seed for the deterministic directory and persona data.
    #[arg(long, env = "BASIQ_SIM_SEED", default_value_t = 0)]
    seed: u64,
    /// Time scale of job steps (1 = realistic 3–15 s per connection; 50 = fifty times faster).
    #[arg(long, env = "BASIQ_SIM_SPEED", default_value_t = 1.0)]
    speed: f64,
    /// Token lifetime in seconds.
    #[arg(long, env = "BASIQ_SIM_TOKEN_TTL", default_value_t = 3600)]
    token_ttl: u64,
    /// Synthetic institutions to add on top of the directory (performance work).
    #[arg(long, env = "BASIQ_SIM_INSTITUTIONS", default_value_t = 0)]
    institutions: usize,
    /// CORS origin to allow besides loopback origins (`http://127.0.0.1:*`, `http://localhost:*`,
    /// `http://[::1]:*`), the only ones by default; repeat, or comma-separate in the env var.
    #[arg(long, env = "BASIQ_SIM_ALLOW_ORIGIN", value_delimiter = ',')]
    allow_origin: Vec<String>,
    /// Serve the `/__admin/*` routes (fault injection, token expiry, clock, Consent UI switches),
    /// JSON only, behind a bearer token printed once on standard output at start.
    #[arg(long, env = "BASIQ_SIM_ADMIN")]
    admin: bool,
    /// Consent UI: the Redirect URL (`jobId`, `jobIds`, `state` are appended).
    #[arg(long, env = "BASIQ_SIM_REDIRECT_URL")]
    redirect_url: Option<String>,
    /// Consent UI: the organisation's name.
    #[arg(
        long,
        env = "BASIQ_SIM_ORGANISATION",
        default_value = "Bank Connect Demo"
    )]
    organisation: String,
    /// Consent UI: consent duration in days.
    #[arg(long, env = "BASIQ_SIM_CONSENT_DAYS", default_value_t = 365)]
    consent_days: u64,
    /// Consent UI: allow multiple connections in one visit.
    #[arg(long, env = "BASIQ_SIM_ALLOW_MULTIPLE")]
    allow_multiple_connections: bool,
    /// Consent UI: skip the success screen.
    #[arg(long, env = "BASIQ_SIM_SKIP_SUCCESS")]
    skip_success_screen: bool,
    /// Consent UI: skip the error screen.
    #[arg(long, env = "BASIQ_SIM_SKIP_ERROR")]
    skip_error_screen: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let args = Args::parse();
    if !(args.speed.is_finite() && args.speed > 0.0) {
        eprintln!("basiq-sim: --speed must be a positive number");
        return std::process::ExitCode::from(2);
    }
    let mut b = basiq_sim::Simulator::builder()
        .api_key(args.api_key)
        .seed(args.seed)
        .speed(args.speed)
        .token_ttl(Duration::from_secs(args.token_ttl))
        .institutions(args.institutions)
        .admin(args.admin)
        .organisation(args.organisation)
        .consent_duration_days(args.consent_days)
        .allow_multiple_connections(args.allow_multiple_connections)
        .skip_success_screen(args.skip_success_screen)
        .skip_error_screen(args.skip_error_screen)
        .bind(SocketAddr::new(args.host, args.port));
    if let Some(url) = args.redirect_url {
        b = b.redirect_url(url);
    }
    for o in args
        .allow_origin
        .into_iter()
        .filter(|o| !o.trim().is_empty())
    {
        b = b.allow_origin(o.trim().to_string());
    }
    let handle = match b.spawn().await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("basiq-sim: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // The API key came from the person's own flag or environment: never echoed into a log.
    tracing::info!("basiq-sim listening on {}", handle.base_url());
    if let Some(token) = handle.admin_token() {
        // Printed once, to the terminal, not through the log.
        println!("basiq-sim admin token (Authorization: Bearer …): {token}");
    }
    basiq_sim::shutdown_signal().await;
    tracing::info!("basiq-sim shutting down");
    let _ = tokio::time::timeout(Duration::from_secs(10), handle.stop()).await;
    std::process::ExitCode::SUCCESS
}
