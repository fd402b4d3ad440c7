//! `iss witness serve`: the tlog-witness HTTP API (c2sp.org/tlog-witness).
//!
//! - `POST /add-checkpoint`: the request of [`crate::tlog::witness`]; 200
//!   with one `cosignature/v1` signature line, or the status the spec
//!   assigns (400, 403, 404, 409 with `text/x.tlog.size`, 422).
//! - `GET /<hex SHA-256 of the origin>/checkpoint`: the latest checkpoint
//!   cosigned for that log (404 when none).
//!
//! Checking a request against the stored size and persisting the new size
//! happen under one lock per log, so two requests can never interleave into
//! a rollback (the race the spec describes); the state is durable before the
//! answer leaves.

use super::state::StateDir;
use crate::tlog::note::Cosigner;
use crate::tlog::witness::{
    AddCheckpoint, Refusal, SIZE_CONTENT_TYPE, WitnessedLog, claimed_origin, decide,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// Test hook: when this environment variable is `1`, the witness aborts
/// (as `kill -9` would stop it) right after persisting a new state and
/// before answering, so tests can check what a restart remembers.
pub const CRASH_AFTER_PERSIST_ENV: &str = "ISS_WITNESS_TEST_CRASH_AFTER_PERSIST";

/// A witness: its key, the logs it cosigns, its state.
pub struct Witness {
    cosigner: Cosigner,
    logs: HashMap<String, (WitnessedLog, Mutex<()>)>,
    state: StateDir,
    crash_after_persist: bool,
}

/// An answer: status, content type, body.
pub type Answer = (u16, &'static str, String);

impl Witness {
    /// A witness over `logs` (one per origin) keeping its state in `state`.
    pub fn new(cosigner: Cosigner, logs: Vec<WitnessedLog>, state: StateDir) -> Self {
        Self {
            cosigner,
            logs: logs
                .into_iter()
                .map(|l| (l.origin.clone(), (l, Mutex::new(()))))
                .collect(),
            state,
            crash_after_persist: std::env::var(CRASH_AFTER_PERSIST_ENV).is_ok_and(|v| v == "1"),
        }
    }

    /// Handles one `add-checkpoint` body, cosigning at `now` (POSIX seconds).
    pub fn add_checkpoint(&self, body: &[u8], now: u64) -> Answer {
        let refuse = |r: &Refusal| (r.status(), "text/plain; charset=utf-8", r.body());
        let request = match AddCheckpoint::parse(body) {
            Ok(r) => r,
            Err(e) => return refuse(&Refusal::BadRequest(e)),
        };
        let origin = claimed_origin(&request.note).unwrap_or_default();
        let Some((log, lock)) = self.logs.get(origin) else {
            return refuse(&Refusal::UnknownLog(format!(
                "this witness does not cosign the log {origin:?}"
            )));
        };
        // A poisoned lock only means another request panicked mid-way; the
        // state on disk is still whole (written atomically), so go on.
        let _guard = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = match self.state.head(&log.origin) {
            Ok(c) => c,
            Err(e) => return (500, "text/plain; charset=utf-8", format!("{e}\n")),
        };
        let checkpoint = match decide(&request, log, current) {
            Ok(c) => c,
            Err(r) => {
                let (status, ty, body) = refuse(&r);
                let ty = if status == 409 { SIZE_CONTENT_TYPE } else { ty };
                return (status, ty, body);
            }
        };
        let line = match self.cosigner.cosign(&checkpoint.to_text(), now.max(1)) {
            Ok(l) => l,
            Err(e) => return (500, "text/plain; charset=utf-8", format!("{e}\n")),
        };
        let mut stored = request.note.clone();
        if !stored.contains(&line) {
            stored.push_str(&line);
        }
        if let Err(e) = self.state.store(&log.origin, &stored) {
            return (500, "text/plain; charset=utf-8", format!("{e}\n"));
        }
        if self.crash_after_persist {
            std::process::abort();
        }
        (200, "text/plain; charset=utf-8", line)
    }

    /// The latest cosigned note of the log whose origin hashes to `hash`.
    pub fn checkpoint(&self, hash: &str) -> Answer {
        let found = self
            .logs
            .keys()
            .find(|o| super::state::origin_hash(o) == hash)
            .map(|o| self.state.note(o));
        match found {
            Some(Ok(Some(note))) => (200, "text/plain; charset=utf-8", note),
            Some(Err(e)) => (500, "text/plain; charset=utf-8", format!("{e}\n")),
            _ => (404, "text/plain; charset=utf-8", "no checkpoint\n".into()),
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_secs())
}

fn respond((status, ty, body): Answer) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, ty)], body).into_response()
}

async fn add_checkpoint(State(w): State<Arc<Witness>>, body: Bytes) -> Response {
    // The state write fsyncs: keep it off the async workers.
    match tokio::task::spawn_blocking(move || w.add_checkpoint(&body, now())).await {
        Ok(answer) => respond(answer),
        Err(e) => respond((500, "text/plain; charset=utf-8", format!("{e}\n"))),
    }
}

async fn checkpoint(State(w): State<Arc<Witness>>, UrlPath(hash): UrlPath<String>) -> Response {
    match tokio::task::spawn_blocking(move || w.checkpoint(&hash)).await {
        Ok(answer) => respond(answer),
        Err(e) => respond((500, "text/plain; charset=utf-8", format!("{e}\n"))),
    }
}

/// The witness's routes.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{hash}/checkpoint", get(checkpoint))
        .with_state(witness)
}

/// Serves `witness` on `listener` until SIGTERM or SIGINT, then answers
/// the requests in flight (each one's state is fsynced before its answer)
/// and returns; `ready` is called with the bound address once requests
/// are accepted.
pub fn serve(
    listener: std::net::TcpListener,
    witness: Witness,
    ready: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        ready(addr);
        axum::serve(listener, router(Arc::new(witness)))
            .with_graceful_shutdown(shutdown())
            .await
    })
}

/// Resolves on SIGTERM or SIGINT (never, when the handlers cannot be set:
/// the witness then runs until killed).
async fn shutdown() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
