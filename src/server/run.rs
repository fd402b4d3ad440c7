//! Starting, running and stopping the server: the watcher first (its first
//! full verification is the read state's baseline), then the writer thread
//! (with `--write`), then the HTTP listener until SIGTERM or SIGINT, which
//! stops taking connections, lets every request in flight finish (a write
//! is answered with its outcome), and stops the writer after its last batch.

use super::judged::Judged;
use super::log::{self, Level};
use super::{AppState, Options, routes};
use crate::ledger::open::{Keys, Ledger};
use crate::ledger::watch::{WatchEvent, WatchOptions};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The routes, over `state`.
pub fn router(state: Arc<AppState>, options: &Options) -> Router {
    let timeout = options.timeout;
    Router::new()
        .route("/health", get(routes::health))
        .route("/audit/verify/integrity", get(routes::integrity))
        .route(
            "/time/pulse",
            get(routes::time_pulse).post(routes::time_pulse),
        )
        .route("/time/verify", get(routes::time_verify))
        .route("/time/history", get(routes::time_history))
        .route("/spice/descriptor", post(routes::post_descriptor))
        .route("/spice/descriptor/{id}", get(routes::get_descriptor))
        .route("/spice/find/glyph/{hash}", get(routes::find_glyph))
        .route("/spice/find/apriori/{id}", get(routes::find_apriori))
        .route("/spice/capability/report", get(routes::capability))
        .route("/audit/trail/{id}", get(routes::audit_trail))
        .route("/vault/status", get(routes::vault_status))
        .route("/metrics", get(routes::metrics))
        .route("/openapi.json", get(super::openapi::openapi_json))
        .route("/docs", get(super::openapi::docs))
        .fallback(routes::fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(options.body_limit))
        .layer(middleware::from_fn(move |req, next| {
            log_and_time(req, next, timeout)
        }))
        .with_state(state)
}

async fn method_not_allowed() -> Response {
    routes::detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}

fn is_write(method: &Method, path: &str) -> bool {
    method == Method::POST || path == "/time/pulse"
}

/// One log line per request (method, path, status, latency); reads that
/// take longer than `timeout` are answered 503. A write is never cut off:
/// its answer is its outcome.
async fn log_and_time(req: Request, next: Next, timeout: Duration) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = if is_write(&method, &path) {
        next.run(req).await
    } else {
        match tokio::time::timeout(timeout, next.run(req)).await {
            Ok(r) => r,
            Err(_) => routes::detail(StatusCode::SERVICE_UNAVAILABLE, "request timed out"),
        }
    };
    let status = response.status().as_u16();
    let level = if status >= 500 {
        Level::Warning
    } else {
        Level::Info
    };
    if log::enabled(level) {
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        log::line(level, &format!("{method} {path} {status} {ms:.3}ms"));
    }
    response
}

/// Apply one watcher event to the verdict and the read state (an appended
/// line's verdict reaches the index through [`Judged`], once per burst).
fn apply(state: &AppState, event: WatchEvent) {
    match event {
        WatchEvent::Record(r) => {
            if let Ok(mut live) = state.live.write() {
                live.record(&r);
            }
            if r.status == crate::ledger::watch::RecordStatus::Violated {
                log::warn(&format!(
                    "{} line {}: appended line does not verify",
                    r.path, r.line
                ));
            }
        }
        WatchEvent::Alert(a) => {
            if let Ok(mut live) = state.live.write() {
                live.alert(&a);
            }
            log::line(
                Level::Error,
                &format!("ALERT {} {}: {}", a.path, a.change.word(), a.detail),
            );
        }
        WatchEvent::Reverified(report) | WatchEvent::Ready(report) => {
            state.reload(&report);
            if let Ok(mut live) = state.live.write()
                && let Some(alert) = state_alert(&report)
            {
                live.verdict.alert = Some(alert);
            }
        }
        WatchEvent::Reverifying { reason } => {
            state
                .stats
                .reverifications
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            log::info(&format!("re-verifying: {reason}"));
        }
        WatchEvent::Pending(_) => {}
        WatchEvent::Error(e) => log::line(Level::Error, &format!("watcher: {e}")),
    }
}

fn state_alert(report: &crate::ledger::model::report::VerifyReport) -> Option<String> {
    (report.status != crate::ledger::model::report::LedgerStatus::Clean)
        .then(|| format!("the ledger is {:?}", report.status).to_lowercase())
}

/// Serve until SIGTERM or SIGINT; the first line on standard output says
/// where (`listening on ADDR`, the real port when 0 was asked for).
pub fn serve(options: &Options) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel::<WatchEvent>();
    // The watcher checks the MACs of a keyed ledger with the key the
    // server was given: without it, a record with a forged MAC under the
    // ledger's key id would be taken in as verified.
    let keys = Keys {
        signer: None,
        mac_key: options.mac_key.clone(),
    };
    let ledger = Ledger::with_keys(&options.path, keys);
    let _watch = ledger.watch(WatchOptions::default(), move |e| tx.send(e).is_ok());
    let report = match rx.recv() {
        Ok(WatchEvent::Ready(report)) => report,
        Ok(WatchEvent::Error(e)) => anyhow::bail!("{}: {e}", options.path.display()),
        Ok(_) | Err(_) => anyhow::bail!("{}: the watcher did not start", options.path.display()),
    };
    let mut state = AppState::from_report(&report, options.token.clone())?;
    state.body_limit = options.body_limit;
    let state = Arc::new(state);
    if let Some(a) = state_alert(&report) {
        log::warn(&format!(
            "{}: {a}; run `iss verify`",
            options.path.display()
        ));
    }
    let events = Arc::clone(&state);
    std::thread::Builder::new()
        .name("iss-serve-watch".into())
        .spawn(move || {
            // Events come one per appended line: the index takes the
            // judged lines in once per burst, not once per line (and before
            // any other event, which may reload it).
            while let Ok(first) = rx.recv() {
                let mut judged = Judged::default();
                for e in std::iter::once(first).chain(rx.try_iter()) {
                    if let WatchEvent::Record(r) = &e {
                        judged.record(r);
                    } else if !judged.is_empty() {
                        events.take_in(&std::mem::take(&mut judged));
                    }
                    apply(&events, e);
                }
                if !judged.is_empty() {
                    events.take_in(&judged);
                }
            }
        })?;
    let writer = if options.token.is_some() {
        let after = Arc::clone(&state);
        let (tx, handle) = super::commit::spawn(super::commit::Writer {
            // The writer signs checkpoints on a ledger that has them.
            ledger: Ledger::with_keys(
                &options.path,
                Keys {
                    signer: options.signer.clone(),
                    mac_key: options.mac_key.clone(),
                },
            ),
            now_micros: Arc::new(super::shapes::now_micros),
            stats: Arc::clone(&state.stats),
            after: Box::new(move |written: &Judged| after.take_in(written)),
        });
        if let Ok(mut slot) = state.writer.lock() {
            *slot = Some(tx);
        }
        Some(handle)
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let app = router(Arc::clone(&state), options);
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", options.listen))?;
        let addr = listener.local_addr()?;
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening on {addr}")?;
            out.flush()?;
        }
        log::info(&format!(
            "serving {} on http://{addr} ({})",
            options.path.display(),
            if options.token.is_some() {
                "read-write"
            } else {
                "read-only"
            }
        ));
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown())
            .await?;
        anyhow::Ok(())
    })?;
    // Every request is answered: stop the writer after its last batch.
    if let Ok(mut slot) = state.writer.lock() {
        slot.take();
    }
    if let Some(h) = writer {
        let _ = h.join();
    }
    log::info("stopped");
    Ok(())
}

async fn shutdown() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handlers the server runs until killed.
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => log::info("SIGTERM: finishing the requests in flight"),
        _ = int.recv() => log::info("SIGINT: finishing the requests in flight"),
    }
}
