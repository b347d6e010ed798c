//! The `runtime-rules` command line: `serve`, `seed`, `demo`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tokio::sync::watch;

use super::fixture::Fixture;
use super::store::Store;
use super::store::sqlite::SqliteStore;
use super::{AppState, Clock, demo};

/// The runtime-rules server: teardown and usage rules on SQLite.
#[derive(Debug, Parser)]
#[command(name = "runtime-rules", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (and a web page from --www).
    Serve {
        /// The SQLite database file (created if missing).
        #[arg(long)]
        db: PathBuf,
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// A folder of static files served beside the API.
        #[arg(long)]
        www: Option<PathBuf>,
    },
    /// Load a fixture (JSON) into a database, all or nothing.
    Seed {
        /// The SQLite database file (created if missing).
        #[arg(long)]
        db: PathBuf,
        /// The fixture.
        fixture: PathBuf,
    },
    /// Create a demo database and serve it; prints the URL and the demo users' tokens.
    Demo {
        /// Where to listen (another free port is used when this one is taken).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// The database file (default: a new file in the system's temp folder).
        #[arg(long)]
        db: Option<PathBuf>,
        /// A folder of static files served beside the API (default: ./www when it exists).
        #[arg(long)]
        www: Option<PathBuf>,
        /// Write the demo fixture as JSON to this file and exit.
        #[arg(long)]
        write_fixture: Option<PathBuf>,
    },
}

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("runtime-rules: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("runtime-rules: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve { db, addr, www } => {
            let store = open(&db).await?;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            start(listener, store, www, None).await
        }
        Command::Seed { db, fixture } => {
            let text = std::fs::read_to_string(&fixture)
                .map_err(|e| format!("cannot read {}: {e}", fixture.display()))?;
            let parsed =
                Fixture::from_json(&text).map_err(|e| format!("{}: {e}", fixture.display()))?;
            let store = open(&db).await?;
            let counts = summary(&parsed);
            load(store, parsed).await?;
            println!(
                "loaded {} into {}: {counts}",
                fixture.display(),
                db.display()
            );
            Ok(())
        }
        Command::Demo {
            addr,
            db,
            www,
            write_fixture,
        } => {
            let now = Clock::System.now();
            let fixture =
                demo::fixture(now).map_err(|e| format!("the demo fixture is broken: {e}"))?;
            if let Some(path) = write_fixture {
                let text = serde_json::to_string_pretty(&demo::fixture_json(now))
                    .map_err(|e| e.to_string())?;
                std::fs::write(&path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                println!("wrote {}", path.display());
                return Ok(());
            }
            let db = db.unwrap_or_else(|| {
                std::env::temp_dir()
                    .join(format!("runtime-rules-demo-{}.sqlite", std::process::id()))
            });
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            let store = open(&db).await?;
            let users = demo::users(&fixture);
            load(Arc::clone(&store), fixture).await?;
            let listener = match tokio::net::TcpListener::bind(addr).await {
                Ok(listener) => listener,
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                    let any = SocketAddr::new(addr.ip(), 0);
                    tokio::net::TcpListener::bind(any)
                        .await
                        .map_err(|e| format!("cannot listen on {any}: {e}"))?
                }
                Err(e) => return Err(format!("cannot listen on {addr}: {e}")),
            };
            let www = www.or_else(|| Some(PathBuf::from("www")).filter(|p| p.is_dir()));
            let url = format!(
                "http://{}",
                listener.local_addr().map_err(|e| e.to_string())?
            );
            let mut banner = format!(
                "runtime-rules demo\n  database  {}\n  url       {url}\n",
                db.display()
            );
            banner.push_str("  users (Authorization: Bearer <token>):\n");
            for user in &users {
                banner.push_str(&format!(
                    "    {:<28} {:<22} {}\n",
                    user.name, user.roles, user.token
                ));
            }
            banner.push_str(&format!(
                "  try: curl -H 'Authorization: Bearer {}' {url}/api/runtimes\n",
                users.first().map(|u| u.token.as_str()).unwrap_or("")
            ));
            start(listener, store, www, Some((banner, users))).await
        }
    }
}

async fn open(db: &Path) -> Result<Arc<dyn Store>, String> {
    let db = db.to_path_buf();
    tokio::task::spawn_blocking(move || {
        SqliteStore::open(&db).map_err(|e| format!("{}: {e}", db.display()))
    })
    .await
    .map_err(|e| e.to_string())?
    .map(|s| Arc::new(s) as Arc<dyn Store>)
}

async fn load(store: Arc<dyn Store>, fixture: Fixture) -> Result<(), String> {
    let now = Clock::System.now();
    tokio::task::spawn_blocking(move || store.write(|tx| tx.load_fixture(&fixture, now)))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("nothing was loaded: {e}"))
}

fn summary(f: &Fixture) -> String {
    format!(
        "{} workspaces, {} users, {} runtimes, {} agents, {} squads, {} autopilots, {} issues, {} tasks, {} chat sessions, {} usage rows",
        f.workspaces.len(),
        f.users.len(),
        f.runtimes.len(),
        f.agents.len(),
        f.squads.len(),
        f.autopilots.len(),
        f.issues.len(),
        f.tasks.len(),
        f.chat_sessions.len(),
        f.usage.len()
    )
}

async fn start(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    www: Option<PathBuf>,
    demo: Option<(String, Vec<demo::DemoUser>)>,
) -> Result<(), String> {
    let (stop, shutdown) = watch::channel(false);
    let mut state = AppState::new(store, Clock::System, shutdown);
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    match demo {
        Some((banner, users)) => {
            println!("{banner}");
            state = state.with_demo_users(users);
        }
        None => println!("listening on http://{addr}"),
    }
    tracing::info!(%addr, "listening");
    super::serve(listener, state, www, stop)
        .await
        .map_err(|e| format!("server failed: {e}"))
}
