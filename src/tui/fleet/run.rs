//! The fleet workstation on a terminal: one watcher per ledger in the
//! background, the input thread, and the loop that applies messages and
//! draws (the same shape as [`crate::tui::event_loop`], whose input thread
//! it uses). A local ledger opened in the five panes is indexed, not
//! verified again: its verdict and live events are those of its fleet
//! watcher ([`FleetMsg::Watched`]). A published location opened there is
//! loaded as `iss tui LOCATION` loads it ([`remote_load::spawn`]: its
//! first records shown while it is fetched, then verified and followed
//! live). Their other background work (panes 3-5, a reload, an export)
//! runs as `iss tui PATH` would, on its own channel forwarded to the loop
//! under its row.

use super::shell::{FleetApp, FleetMsg, update};
use super::summary::{self, Update};
use crate::ledger::clock::Clock;
use crate::ledger::fleet::Entry;
use crate::ledger::open::Ledger;
use crate::ledger::verify::VerifyOptions;
use crate::ledger::watch::WatchHandle;
use crate::ledger::watch::WatchOptions;
use crate::tui::app::App;
use crate::tui::msg::Msg;
use crate::tui::theme::{Theme, ThemeName};
use crate::tui::{load, panes, remote_load};
use anyhow::{Context as _, bail};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// At most one frame per this long.
const FRAME: Duration = Duration::from_millis(16);
/// A tick when nothing else happens (ages move on).
const TICK: Duration = Duration::from_millis(250);

/// What the fleet workstation opens, and how.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// Dark or light palette.
    pub theme: ThemeName,
    /// Where "now" is read.
    pub clock: Arc<dyn Clock>,
    /// How every ledger is verified (trust, pinned keys).
    pub verify: VerifyOptions,
}

/// A ledger opened in the five panes: the channel of its background work
/// (a local ledger's watcher is the fleet's).
struct Session {
    tx: Sender<Msg>,
    /// A published location: the follower of its copy (its load, as for
    /// `iss tui LOCATION`); stopped when dropped.
    following: Option<WatchHandle>,
}

/// Start the watcher of every entry (a published location's through
/// remote review, [`crate::remote::follow`]); each event arrives as
/// [`FleetMsg::Entry`]. An entry that cannot be watched gets its reason at
/// once; the others run.
pub fn spawn_watchers(
    entries: &[Entry],
    verify: &VerifyOptions,
    tx: &Sender<FleetMsg>,
) -> Vec<Option<WatchHandle>> {
    let published = crate::remote::follow::watcher(crate::remote::follow::POLL);
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let options = WatchOptions {
                verify: verify.clone(),
                ..WatchOptions::default()
            };
            let send = tx.clone();
            let watched = crate::ledger::fleet::watch(
                &e.location,
                options,
                move |ev| {
                    send.send(FleetMsg::Entry(i, summary::of_event(&ev)))
                        .is_ok()
                        && send
                            .send(FleetMsg::Watched(i, crate::tui::live::messages(ev)))
                            .is_ok()
                },
                Some(&*published),
            );
            match watched {
                Ok(h) => Some(h),
                Err(why) => {
                    let _ = tx.send(FleetMsg::Entry(i, Update::Error(why)));
                    None
                }
            }
        })
        .collect()
}

/// Open the fleet workstation on the terminal until the user quits.
pub fn run(entries: Vec<Entry>, options: &FleetOptions) -> anyhow::Result<()> {
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        bail!("the workstation needs a terminal; for scripts use `iss watch --fleet FILE --json`");
    }
    let theme = Theme::new(options.theme, Theme::no_color_from_env());
    let (tx, rx) = mpsc::channel();
    let _watchers = spawn_watchers(&entries, &options.verify, &tx);
    let mut fa = FleetApp::new(entries, theme, options.clock.clone());
    let (input_tx, input_rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let input = crate::tui::event_loop::spawn_input(input_tx, Arc::clone(&stop));
    forward(input_rx, tx.clone(), FleetMsg::Ui);

    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        previous(info);
    }));
    let mut terminal = ratatui::try_init().context("cannot set the terminal up")?;
    let _ = execute!(io::stdout(), EnableMouseCapture);
    let result = event_loop(&mut terminal, &mut fa, &rx, &tx, &options.verify);
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
    stop.store(true, Ordering::Relaxed);
    let _ = input.join();
    // The copies of the published locations, the rows' and the opened
    // ones' (their threads are not joined).
    crate::remote::remove_copies();
    result.context("terminal error")
}

/// Forward every message of `rx` to `tx`, wrapped by `wrap`, on a thread
/// that ends when either side is gone.
fn forward<T: Send + 'static>(
    rx: mpsc::Receiver<T>,
    tx: Sender<FleetMsg>,
    wrap: impl Fn(T) -> FleetMsg + Send + 'static,
) {
    std::thread::spawn(move || {
        for m in rx {
            if tx.send(wrap(m)).is_err() {
                return;
            }
        }
    });
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    fa: &mut FleetApp,
    rx: &mpsc::Receiver<FleetMsg>,
    tx: &Sender<FleetMsg>,
    verify: &VerifyOptions,
) -> io::Result<()> {
    let size = terminal.size()?;
    update(fa, FleetMsg::Ui(Msg::Resize(size.width, size.height)));
    let mut sessions: Vec<Option<Session>> = fa.sessions.iter().map(|_| None).collect();
    let mut last_draw: Option<Instant> = None;
    loop {
        for i in std::mem::take(&mut fa.to_start) {
            let (stx, srx) = mpsc::channel();
            forward(srx, tx.clone(), move |m| FleetMsg::Ledger(i, m));
            let Some(Some(app)) = fa.sessions.get(i) else {
                continue;
            };
            let ledger = app.ledger.clone();
            let following = if fa.published(i) {
                // As `iss tui LOCATION`: fetched (the first records shown
                // before the whole log), verified, then followed live.
                Some(remote_load::spawn(ledger, verify.clone(), stx.clone()))
            } else {
                // Indexed only: its verdict and live events are its fleet
                // watcher's (FleetMsg::Watched), replayed once it is indexed.
                let itx = tx.clone();
                std::thread::spawn(move || {
                    load::index_only(&ledger, &|m| itx.send(FleetMsg::Ledger(i, m)).is_ok());
                    let _ = itx.send(FleetMsg::Indexed(i));
                });
                None
            };
            sessions[i] = Some(Session { tx: stx, following });
        }
        for (app, session) in fa.sessions.iter_mut().zip(sessions.iter_mut()) {
            if let (Some(app), Some(s)) = (app.as_mut(), session.as_mut()) {
                background(app, s, verify)?;
            }
        }
        let app_dirty = fa.opened().is_some_and(|a| a.dirty);
        if (fa.dirty || app_dirty) && last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
            terminal.draw(|f| super::shell::draw(f, fa))?;
            fa.dirty = false;
            if let Some(i) = fa.open
                && let Some(Some(app)) = fa.sessions.get_mut(i)
            {
                app.dirty = false;
            }
            last_draw = Some(Instant::now());
        }
        if fa.quit {
            return Ok(());
        }
        let timeout = match last_draw {
            Some(t) if fa.dirty => FRAME.saturating_sub(t.elapsed()),
            _ => TICK,
        };
        match rx.recv_timeout(timeout) {
            Ok(msg) => {
                update(fa, msg);
                while !fa.quit
                    && let Ok(msg) = rx.try_recv()
                {
                    update(fa, msg);
                }
            }
            Err(RecvTimeoutError::Timeout) => update(fa, FleetMsg::Ui(Msg::Tick)),
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}

/// What an opened ledger's last messages asked for, as
/// [`crate::tui::event_loop`] does it for `iss tui PATH`: panes 3-5's
/// work, a reload, an export, the clipboard. (Read-only: no write job is
/// ever queued; its live view is fed by the fleet's watcher.)
fn background(app: &mut App, s: &mut Session, verify: &VerifyOptions) -> io::Result<()> {
    panes::jobs::spawn_all(&mut app.panes.jobs, &s.tx);
    if let Some(text) = app.outbox.clipboard.take() {
        let mut out = io::stdout();
        out.write_all(crate::tui::clipboard::osc52(&text).as_bytes())?;
        out.flush()?;
    }
    if std::mem::take(&mut app.outbox.reload) {
        if s.following.is_some() {
            // Fetched again; the old follower stops as its handle goes.
            s.following = Some(remote_load::spawn(
                app.ledger.clone(),
                verify.clone(),
                s.tx.clone(),
            ));
        } else {
            // The fleet reviews without keys of its own: `verify` is all.
            load::spawn(Ledger::at(&app.ledger), verify.clone(), s.tx.clone());
        }
    }
    if let Some(out) = app.outbox.export.take() {
        crate::tui::export::spawn(
            app.ledger.clone(),
            out,
            app.writing.clock.clone(),
            s.tx.clone(),
        );
    }
    Ok(())
}
