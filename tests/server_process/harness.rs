//! What the tests share: the server as a child process (killed when the
//! guard drops, whatever happens), an HTTP client that answers
//! `(status, JSON)`, an event-stream reader, and the database seen from
//! outside (every table dumped, foreign keys and integrity checked).

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::Value;

/// The server binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_runtime-rules");

/// A UUID in canonical lowercase form: `kind` tells the tables apart,
/// `n` the rows (sorting ids sorts by `n` within a kind).
pub fn id(kind: u32, n: u64) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

/// Loads `fixture` (JSON text) into `db` with `runtime-rules seed`.
pub fn seed(db: &Path, fixture: &str) {
    let file = PathBuf::from(format!("{}.fixture.json", db.display()));
    std::fs::write(&file, fixture).unwrap();
    let out = Command::new(BIN)
        .arg("seed")
        .arg("--db")
        .arg(db)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "seed failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Copies a database (its file and write-ahead log) while no server has it
/// open; whatever stale log or index sat at `to` is removed first.
pub fn copy_db(from: &Path, to: &Path) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
    }
    std::fs::copy(from, to).unwrap();
    let wal = format!("{}-wal", from.display());
    if Path::new(&wal).exists() {
        std::fs::copy(&wal, format!("{}-wal", to.display())).unwrap();
    }
}

/// A running `runtime-rules serve`. Dropping it kills the process.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `serve` on `db` and waits for its `listening on` line. The
    /// port is the one the operating system picked for `127.0.0.1:0`, read
    /// from that line, so no other process can take it in between.
    pub fn start(db: &Path) -> Server {
        let log = PathBuf::from(format!("{}.log", db.display()));
        let stderr = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let mut child = Command::new(BIN)
            // A fixed world: no sweeper judging its instants by the clock.
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--sweep-secs",
                "0",
                "--db",
            ])
            .arg(db)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut server = Server {
            child,
            base: String::new(),
            log,
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep the pipe drained until the process ends.
            lines.for_each(drop);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("the server did not start:\n{}", server.log_text()));
        server.base = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        server
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM (through `kill`: no libc binding here).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
    }

    /// SIGKILL, then reap the process.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The exit status, if the process ends within `within`.
    pub fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// What the server wrote on stderr (warnings and errors).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A client signed in with `token` (`None`: no Authorization header).
    pub fn client(&self, token: Option<&str>) -> Client {
        Client::new(&self.base, token)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// An HTTP client of its own (its own connection pool), for one user.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    auth: Option<String>,
}

impl Client {
    /// A client of `base` that sends `token` as a bearer token.
    pub fn new(base: &str, token: Option<&str>) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            base: base.to_owned(),
            auth: token.map(|t| format!("Bearer {t}")),
        }
    }

    /// `method path` with a JSON `body`: the status and the JSON answer
    /// (`null` for an empty body), or the transport error.
    pub fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), ureq::Error> {
        let url = format!("{}{path}", self.base);
        let response = match (method, body) {
            ("GET", None) => self.auth(self.agent.get(&url)).call(),
            ("DELETE", None) => self.auth(self.agent.delete(&url)).call(),
            (method, body) => {
                let request = match method {
                    "POST" => self.agent.post(&url),
                    "PATCH" => self.agent.patch(&url),
                    other => panic!("no body for {other}"),
                };
                let text = body.map(Value::to_string).unwrap_or_default();
                self.auth(request)
                    .content_type("application/json")
                    .send(text.as_str())
            }
        };
        let mut response = response?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string()?;
        let json = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, json))
    }

    fn auth<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.auth {
            Some(auth) => request.header("Authorization", auth),
            None => request,
        }
    }

    /// [`Client::try_call`] where a transport error fails the test.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// GET.
    pub fn get(&self, path: &str) -> (u16, Value) {
        self.call("GET", path, None)
    }

    /// POST with a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call("POST", path, Some(body))
    }
}

/// What an event stream did next.
#[derive(Debug)]
pub enum Next {
    /// One `data:` line, as JSON.
    Event(Value),
    /// The server closed the stream.
    Ended,
    /// Nothing within the time given.
    Silent,
}

/// An open `GET /api/events`, read line by line on a thread of its own.
pub struct EventStream {
    rx: mpsc::Receiver<Option<Value>>,
}

impl EventStream {
    /// Opens the stream as the holder of `token`. When this returns the
    /// response head has arrived, so the server has subscribed this stream
    /// (it subscribes before answering): nothing committed later is missed.
    pub fn open(base: &str, token: &str) -> EventStream {
        // No global timeout: the stream stays open as long as the server lets it.
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build();
        let agent = ureq::Agent::new_with_config(config);
        let response = agent
            .get(format!("{base}/api/events"))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "GET /api/events");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(
            content_type.starts_with("text/event-stream"),
            "content type {content_type:?}"
        );
        let reader = BufReader::new(response.into_body().into_reader());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in reader.lines() {
                let Ok(line) = line else { break };
                if let Some(data) = line.strip_prefix("data:") {
                    let data = data.trim();
                    let event = serde_json::from_str(data).unwrap_or(Value::String(data.into()));
                    if tx.send(Some(event)).is_err() {
                        return;
                    }
                }
            }
            let _ = tx.send(None);
        });
        EventStream { rx }
    }

    /// The next event, the end of the stream, or silence after `within`.
    pub fn next(&self, within: Duration) -> Next {
        match self.rx.recv_timeout(within) {
            Ok(Some(event)) => Next::Event(event),
            Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => Next::Ended,
            Err(mpsc::RecvTimeoutError::Timeout) => Next::Silent,
        }
    }
}

/// Opens the database file from outside the server.
pub fn open_db(db: &Path) -> Connection {
    let conn = Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    // A page cache the size of the file: the checks read every page.
    conn.execute_batch("PRAGMA cache_size = -262144; PRAGMA mmap_size = 268435456;")
        .unwrap();
    conn
}

/// Every table, by name: its rows, each rendered as one line, sorted.
pub type Dump = BTreeMap<String, Vec<String>>;

/// Columns a teardown fills with the current time (`archived_at` of the
/// agents it archives, `finished_at` of the tasks it cancels): two runs of
/// the same plan differ there and nowhere else.
pub const CLOCK_COLUMNS: [&str; 2] = ["archived_at", "finished_at"];

/// Dumps every table (full row contents): `exact`, and `masked` where the
/// [`CLOCK_COLUMNS`] only say whether they are set.
pub fn dump(conn: &Connection) -> (Dump, Dump) {
    let mut names = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    let tables: Vec<String> = names
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut exact = Dump::new();
    let mut masked = Dump::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = stmt.query([]).unwrap();
        let (mut all, mut hidden) = (Vec::new(), Vec::new());
        while let Some(row) = rows.next().unwrap() {
            let (mut line, mut line_masked) = (String::new(), String::new());
            for (i, column) in columns.iter().enumerate() {
                let value: rusqlite::types::Value = row.get(i).unwrap();
                let text = format!("{column}={value:?}|");
                if CLOCK_COLUMNS.contains(&column.as_str()) {
                    let set = !matches!(value, rusqlite::types::Value::Null);
                    line_masked
                        .push_str(&format!("{column}={}|", if set { "set" } else { "null" }));
                } else {
                    line_masked.push_str(&text);
                }
                line.push_str(&text);
            }
            all.push(line);
            hidden.push(line_masked);
        }
        all.sort_unstable();
        hidden.sort_unstable();
        exact.insert(table.clone(), all);
        masked.insert(table, hidden);
    }
    (exact, masked)
}

/// The differences between two dumps, a few lines per table (empty: equal).
pub fn differences(before: &Dump, after: &Dump) -> Vec<String> {
    let mut out = Vec::new();
    let tables: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for table in tables {
        let empty = Vec::new();
        let b = before.get(table).unwrap_or(&empty);
        let a = after.get(table).unwrap_or(&empty);
        if a == b {
            continue;
        }
        let bs: std::collections::HashSet<&String> = b.iter().collect();
        let as_: std::collections::HashSet<&String> = a.iter().collect();
        let gone: Vec<_> = b.iter().filter(|r| !as_.contains(r)).collect();
        let new: Vec<_> = a.iter().filter(|r| !bs.contains(r)).collect();
        out.push(format!(
            "{table}: {} rows before, {} after; {} rows only before, {} only after",
            b.len(),
            a.len(),
            gone.len(),
            new.len()
        ));
        out.extend(gone.iter().take(3).map(|r| format!("  - {r}")));
        out.extend(new.iter().take(3).map(|r| format!("  + {r}")));
    }
    out
}

/// `PRAGMA foreign_key_check`: one line per violation.
pub fn foreign_key_violations(conn: &Connection) -> Vec<String> {
    let mut stmt = conn.prepare("PRAGMA foreign_key_check").unwrap();
    let rows = stmt
        .query_map([], |row| {
            let table: String = row.get(0)?;
            let rowid: Option<i64> = row.get(1)?;
            let parent: String = row.get(2)?;
            Ok(format!("{table} row {rowid:?} -> {parent}"))
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// `PRAGMA integrity_check`, its lines joined (`ok` when healthy).
pub fn integrity(conn: &Connection) -> String {
    let mut stmt = conn.prepare("PRAGMA integrity_check").unwrap();
    let rows = stmt.query_map([], |row| row.get::<_, String>(0)).unwrap();
    rows.collect::<Result<Vec<_>, _>>().unwrap().join("\n")
}

/// Asserts the database holds no dangling foreign key and is not corrupt.
pub fn assert_sound(conn: &Connection, label: &str) {
    let violations = foreign_key_violations(conn);
    assert!(
        violations.is_empty(),
        "{label}: foreign_key_check: {violations:?}"
    );
    assert_eq!(integrity(conn), "ok", "{label}: integrity_check");
}
