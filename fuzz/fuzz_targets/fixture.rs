//! The fixture loader on any text: `Fixture::from_json` (serde, then
//! `check`), and when the fixture passes, a load into a fresh SQLite
//! database (`SqliteStore::open` on a new file of a temporary folder,
//! then `Store::write(|tx| tx.load_fixture(..))`). The load may refuse
//! with an error (a row the database will not hold); it must not panic.
#![no_main]

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use runtime_rules::Instant;
use runtime_rules::server::fixture::Fixture;
use runtime_rules::server::store::sqlite::SqliteStore;
use runtime_rules::server::store::{Store, StoreError};

static DIR: LazyLock<tempfile::TempDir> = LazyLock::new(|| {
    tempfile::Builder::new()
        .prefix("runtime-rules-fuzz-fixture-")
        .tempdir()
        .unwrap_or_else(|e| panic!("a temporary folder: {e}"))
});
static NEXT: AtomicU64 = AtomicU64::new(0);
static SAID: AtomicBool = AtomicBool::new(false);

fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
}

fn load(fixture: &Fixture) {
    let now = Instant::parse("2026-11-20T12:00:00Z", "now")
        .unwrap_or_else(|e| panic!("a fixed instant parses: {e}"));
    let path = DIR
        .path()
        .join(format!("{}.sqlite", NEXT.fetch_add(1, Ordering::Relaxed)));
    {
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&path).unwrap_or_else(|e| panic!("opening a fresh database: {e}")),
        );
        match store.write(|tx| tx.load_fixture(fixture, now)) {
            // A checked fixture the database refuses: an error with a path.
            Ok(()) | Err(StoreError::Invalid(_)) => {}
            // Any other error is allowed too (it is not a panic), but it is
            // not how the loader means to refuse a row: say so, once.
            Err(e) => {
                if !SAID.swap(true, Ordering::Relaxed) {
                    eprintln!(
                        "fixture: a checked fixture failed to load otherwise than Invalid: {e:?}"
                    );
                }
            }
        }
    }
    remove(&path);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(fixture) = Fixture::from_json(text) else {
        return;
    };
    if let Err(e) = fixture.check() {
        panic!("from_json accepted a fixture that check refuses: {e}");
    }
    load(&fixture);
});
