//! `bank-connect-example-host`: serves the example host site (see the library).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use secrecy::SecretString;

/// Settings.
#[derive(Parser)]
#[command(about = "bank-connect example host site")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "EXAMPLE_HOST_BIND", default_value = "127.0.0.1:8090")]
    bind: SocketAddr,
    /// Where the widget (bank-connect-server) runs.
    #[arg(long, env = "WIDGET_URL", default_value = "http://127.0.0.1:8080")]
    widget_url: String,
    /// The secret bank-connect-server expects on /api/link-tokens.
    #[arg(long, env = "HOST_API_SECRET", hide_env_values = true)]
    host_api_secret: SecretString,
    /// The React host's compiled TypeScript (`tsc -p examples/host --outDir DIR`): when given,
    /// the React version of the shop is at /react/.
    #[arg(long, env = "EXAMPLE_HOST_REACT_DIR")]
    react_dir: Option<PathBuf>,
    /// The node_modules with React's UMD builds (for /react/).
    #[arg(long, default_value = "node_modules")]
    node_modules: PathBuf,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut app = bank_connect_example_host::app(&args.widget_url, args.host_api_secret.clone());
    if let Some(compiled) = args.react_dir {
        let assets = bank_connect_example_host::ReactAssets {
            compiled,
            node_modules: args.node_modules,
        };
        app = app.merge(bank_connect_example_host::react_app(
            &args.widget_url,
            args.host_api_secret,
            assets,
        ));
    }
    let listener = match tokio::net::TcpListener::bind(args.bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.bind);
            std::process::exit(2);
        }
    };
    println!("example host site at http://{}", args.bind);
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
}
