//! The `runtime-rules` command line: `serve`, `seed`, `demo`, `daemon-sim`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand};
use tokio::sync::watch;

use super::fixture::Fixture;
use super::store::Store;
use super::store::sqlite::SqliteStore;
use super::{AppState, Clock, demo, sim};

/// The sweeper's default period (SPEC §7).
const SWEEP_SECS: u64 = crate::queue::SWEEP_SECS.unsigned_abs();

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
        /// Seconds between sweeps (stale runtimes, timeouts, collection); 0: never.
        #[arg(long, default_value_t = SWEEP_SECS)]
        sweep_secs: u64,
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
        /// Once listening, write the URL to this file (for scripts).
        #[arg(long)]
        url_file: Option<PathBuf>,
        /// Seconds between sweeps (stale runtimes, timeouts, collection); 0: never.
        #[arg(long, default_value_t = SWEEP_SECS)]
        sweep_secs: u64,
    },
    /// Simulated daemons: register runtimes, heartbeat, claim and run tasks.
    ///
    /// Prints one line of totals at the end (after --duration, or on
    /// Ctrl-C / SIGTERM).
    DaemonSim(Box<DaemonSimArgs>),
}

#[derive(Debug, clap::Args)]
struct DaemonSimArgs {
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// The daemon token.
    #[arg(long)]
    token: String,
    /// The daemon token's workspace (default: the --user-token's only workspace).
    #[arg(long)]
    workspace: Option<String>,
    /// Runtimes to register.
    #[arg(long, default_value_t = 1)]
    runtimes: u32,
    /// Agents per runtime, each with a worker (0: heartbeats only).
    #[arg(long, default_value_t = 1)]
    agents: u32,
    /// Daemon ids are PREFIX-1, PREFIX-2, ...; agents PREFIX-K-agent-J.
    #[arg(long, default_value = "sim")]
    prefix: String,
    /// A user token of the workspace: bind the agents and queue work for them.
    #[arg(long)]
    user_token: Option<String>,
    /// Seconds between a runtime's heartbeats (0: back to back).
    #[arg(long, default_value_t = 15.0)]
    heartbeat_secs: f64,
    /// How long a task works, MIN..MAX milliseconds.
    #[arg(long, default_value = "2000..6000", value_parser = sim::parse_task_ms)]
    task_ms: (u64, u64),
    /// Share of tasks that fail (agent_error or timeout).
    #[arg(long, default_value_t = 0.1)]
    fail_rate: f64,
    /// Tasks queued per second over all agents, with --user-token
    /// (default: enough to keep the agents busy; 0: none).
    #[arg(long)]
    queue_rate: Option<f64>,
    /// Milliseconds to wait after a claim found nothing.
    #[arg(long, default_value_t = 1000)]
    poll_ms: u64,
    /// The seed of the simulator's randomness (default: from the clock).
    #[arg(long)]
    seed: Option<u64>,
    /// Stop after this many seconds (default: run until Ctrl-C or SIGTERM).
    #[arg(long)]
    duration: Option<f64>,
    /// Benchmark: queue this many tasks (needs --user-token), then claim,
    /// start and complete them with no work in between; stops when done.
    #[arg(long)]
    bench_claims: Option<u64>,
}

impl DaemonSimArgs {
    fn config(self) -> Result<sim::Config, String> {
        let duration = match self.duration {
            None => None,
            Some(secs) => Some(
                std::time::Duration::try_from_secs_f64(secs)
                    .map_err(|_| format!("--duration: not a number of seconds: {secs}"))?,
            ),
        };
        Ok(sim::Config {
            url: self.url,
            token: self.token,
            workspace: self.workspace,
            runtimes: self.runtimes,
            agents: self.agents,
            prefix: self.prefix,
            user_token: self.user_token,
            heartbeat_secs: self.heartbeat_secs,
            task_ms: self.task_ms,
            fail_rate: self.fail_rate,
            queue_rate: self.queue_rate,
            poll_ms: self.poll_ms,
            seed: self.seed.unwrap_or_else(sim::clock_seed),
            duration,
            bench_claims: self.bench_claims,
        })
    }
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
        Command::Serve {
            db,
            addr,
            www,
            sweep_secs,
        } => {
            let store = open(&db).await?;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            start(listener, store, www, None, sweep_secs).await
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
        Command::DaemonSim(args) => daemon_sim(*args).await,
        Command::Demo {
            addr,
            db,
            www,
            write_fixture,
            url_file,
            sweep_secs,
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
            start(
                listener,
                store,
                www,
                Some((banner, users, url_file)),
                sweep_secs,
            )
            .await
        }
    }
}

/// Writes `url` to `path` whole (through a rename), so a script polling
/// for the file never reads half of it.
fn write_url(path: &Path, url: &str) -> Result<(), String> {
    let partial = PathBuf::from(format!("{}.partial", path.display()));
    std::fs::write(&partial, format!("{url}\n"))
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Runs the simulator on a blocking thread; Ctrl-C or SIGTERM stops it
/// (every worker finishes its step), then its totals are printed. A second
/// signal ends the process without waiting.
async fn daemon_sim(args: DaemonSimArgs) -> Result<(), String> {
    let config = args.config()?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let mut sim = tokio::task::spawn_blocking(move || sim::run(config, flag));
    let joined = tokio::select! {
        joined = &mut sim => joined,
        () = super::shutdown_signal() => {
            tracing::info!("stopping the simulated daemons");
            stop.store(true, Ordering::Relaxed);
            tokio::select! {
                joined = &mut sim => joined,
                () = super::shutdown_signal() => {
                    // Without waiting for requests in flight (dropping the
                    // async runtime would wait for the simulator's thread).
                    eprintln!("runtime-rules: stopped before the simulated daemons finished");
                    std::process::exit(130);
                }
            }
        }
    };
    let totals = joined.map_err(|e| format!("the simulator failed: {e}"))??;
    println!("{totals}");
    Ok(())
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
    demo: Option<(String, Vec<demo::DemoUser>, Option<PathBuf>)>,
    sweep_secs: u64,
) -> Result<(), String> {
    let (stop, shutdown) = watch::channel(false);
    let every = (sweep_secs > 0).then(|| std::time::Duration::from_secs(sweep_secs));
    let mut state = AppState::new(store, Clock::System, shutdown).with_sweep_every(every);
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    match demo {
        Some((banner, users, url_file)) => {
            println!("{banner}");
            // After the banner, so what a script starts beside the server
            // does not print into it.
            if let Some(path) = url_file {
                write_url(&path, &format!("http://{addr}"))?;
            }
            state = state.with_demo_users(users);
        }
        None => println!("listening on http://{addr}"),
    }
    tracing::info!(%addr, "listening");
    super::serve(listener, state, www, stop)
        .await
        .map_err(|e| format!("server failed: {e}"))
}
