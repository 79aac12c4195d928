//! `bank-connect-server` binary: parse config, start, wait for Ctrl-C / SIGTERM (or run a
//! subcommand: `migrate`, `export-users`).

use clap::Parser;

#[tokio::main]
async fn main() {
    let config = match bank_connect_server::Config::try_parse() {
        Ok(c) => c,
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            e.exit()
        }
        Err(e) => fail(
            e.to_string()
                .lines()
                .next()
                .unwrap_or("invalid configuration")
                .trim_start_matches("error: "),
        ),
    };
    init_logging(config.log_format);
    if let Err(e) = config.validate() {
        fail(&e);
    }
    if let Some(command) = &config.command {
        match bank_connect_server::commands::run(command, &config).await {
            Ok(()) => return,
            Err(e) => fail(&e.to_string()),
        }
    }
    let server = match bank_connect_server::start(config).await {
        Ok(s) => s,
        Err(e) => fail(&e.to_string()),
    };
    println!("bank-connect is running at {}", server.url());
    if server.sandbox().is_some() {
        println!(
            "sandbox mode: Basiq simulator at {} (log in to Hooli Bank as gavinBelson / hooli2016)",
            server.basiq_url()
        );
    }
    basiq_sim::shutdown_signal().await;
    println!("stopping");
    server.stop().await;
}

/// Log lines on stderr, as text or one JSON object per line (`LOG_FORMAT`).
fn init_logging(format: bank_connect_server::config::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        bank_connect_server::config::LogFormat::Text => builder.init(),
        bank_connect_server::config::LogFormat::Json => builder.json().init(),
    }
}

/// One clear line on stderr, exit code 2.
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2);
}
