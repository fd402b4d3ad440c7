//! The terminal side: set the terminal up, read input on a thread, run the
//! loop that applies messages and draws when the state changed, and put the
//! terminal back however the loop ends (a panic included: `ratatui::init`'s
//! hook restores the terminal before the panic message prints).

use crate::tui::app::App;
use crate::tui::msg::Msg;
use crate::tui::theme::Theme;
use crate::tui::update::update;
use crate::tui::{Options, panes, ui};
use anyhow::{Context as _, bail};
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::execute;
use ratatui::DefaultTerminal;
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Run every queued job inline, applying each result (tests, and callers
/// without threads): the panes' jobs and the write job
/// ([`crate::tui::writes`]). Jobs queued by a result run too.
pub fn run_all_blocking(app: &mut App) {
    while !app.panes.jobs.is_empty() || app.writing.queued.is_some() {
        let jobs: Vec<panes::Job> = app.panes.jobs.drain(..).collect();
        for job in jobs {
            update(app, job.run());
        }
        if let Some(job) = app.writing.queued.take() {
            update(app, job.run());
        }
    }
}

/// At most one frame per this long (about 60 per second).
const FRAME: Duration = Duration::from_millis(16);
/// A tick when nothing else happens (animates progress).
const TICK: Duration = Duration::from_millis(120);
/// How often the input thread checks whether to stop.
const INPUT_POLL: Duration = Duration::from_millis(100);

/// Open the workstation on a terminal until the user quits.
pub fn run(options: Options) -> anyhow::Result<()> {
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        bail!(
            "the workstation needs a terminal; for scripts use `iss verify {}`",
            options.path.display()
        );
    }
    let theme = Theme::new(options.theme, Theme::no_color_from_env());
    let mut app = App::new(options.path.clone(), theme);
    app.writes = options.write;
    app.writing.keys = options.keys.clone();
    app.writing.clock = options.clock.clone();
    let verify = crate::ledger::verify::VerifyOptions {
        trust: options.trust.clone(),
        pinned: options.pinned.clone(),
        ..app.verify_options()
    };
    let (tx, rx) = mpsc::channel();
    let jobs_tx = tx.clone();
    // A published location is followed by its load, on the copy it
    // fetched (dropping the handle stops that: a reload starts another).
    // The ledger with the keys the command resolved: its load and its
    // watcher verify through it.
    let ledger = crate::ledger::open::Ledger::with_keys(&options.path, options.keys);
    let following = std::cell::RefCell::new(crate::tui::remote_load::spawn_any(
        &ledger,
        verify.clone(),
        tx.clone(),
    ));
    // Started once the first verdict is shown: the watcher verifies the
    // ledger again for its own state (and hashes every file), which would
    // otherwise compete with the first verification for the same cores and
    // delay the verdict (on a million records, by about as long again).
    // Dropped when the loop ends: the watcher stops at its next wake-up.
    let mut watch = None;
    let (watch_ledger, watch_tx, watch_verify) = (ledger.clone(), tx.clone(), verify.clone());
    // A published location's copy is followed by its load (above).
    let remote = crate::remote::is_location(&options.path);
    let mut start_watch = || {
        if remote {
            return;
        }
        watch.get_or_insert_with(|| {
            crate::tui::live::spawn(&watch_ledger, watch_verify.clone(), watch_tx.clone())
        });
    };
    let stop = Arc::new(AtomicBool::new(false));
    let gate = Arc::new(InputGate::default());
    let input = spawn_gated_input(tx.clone(), Arc::clone(&stop), Arc::clone(&gate));

    // Mouse capture is ours to undo on a panic; installed before ratatui's
    // hook, which restores the rest of the terminal and then calls this one.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        previous(info);
    }));
    let mut terminal = ratatui::try_init().context("cannot set the terminal up")?;
    let _ = execute!(io::stdout(), EnableMouseCapture);
    let result = event_loop(
        &mut terminal,
        &mut app,
        &rx,
        &jobs_tx,
        &|| {
            // The old follower stops when its handle is dropped here.
            *following.borrow_mut() =
                crate::tui::remote_load::spawn_any(&ledger, verify.clone(), tx.clone());
        },
        &mut start_watch,
        &gate,
    );
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
    stop.store(true, Ordering::Relaxed);
    let _ = input.join();
    drop(following);
    crate::remote::remove_copies();
    if let Ok(Some(text)) = &result {
        eprintln!("iss: {text}");
    }
    result.map(drop).context("terminal error")
}

/// Lets the loop take the terminal's input away from the input thread
/// while another program (the pager) reads it.
#[derive(Debug, Default)]
pub(crate) struct InputGate {
    /// The loop asks the thread to stop reading.
    paused: AtomicBool,
    /// The thread says it saw `paused` and reads nothing until it clears.
    idle: AtomicBool,
}

impl InputGate {
    /// Stop the input thread reading, and wait until it does (at most one
    /// poll, [`INPUT_POLL`]); every key typed after this goes to whoever
    /// reads the terminal next.
    fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        while !self.idle.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Let the input thread read again.
    fn resume(&self) {
        // Cleared here, not by the thread: a later `pause` must not take a
        // stale `idle` for the thread's answer while it is polling.
        self.idle.store(false, Ordering::SeqCst);
        self.paused.store(false, Ordering::SeqCst);
    }
}

/// Read terminal events on a thread and send them as messages.
pub(crate) fn spawn_input(tx: Sender<Msg>, stop: Arc<AtomicBool>) -> JoinHandle<()> {
    spawn_gated_input(tx, stop, Arc::new(InputGate::default()))
}

/// [`spawn_input`], reading nothing while `gate` is paused.
fn spawn_gated_input(
    tx: Sender<Msg>,
    stop: Arc<AtomicBool>,
    gate: Arc<InputGate>,
) -> JoinHandle<()> {
    thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            if gate.paused.load(Ordering::SeqCst) {
                gate.idle.store(true, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(10));
                continue;
            }
            let msg = match event::poll(INPUT_POLL).and_then(|ready| {
                if ready {
                    event::read().map(Some)
                } else {
                    Ok(None)
                }
            }) {
                Ok(Some(Event::Key(k))) => Msg::Key(k),
                Ok(Some(Event::Mouse(m))) => Msg::Mouse(m),
                Ok(Some(Event::Resize(w, h))) => Msg::Resize(w, h),
                // Nothing yet (look at `stop` again), or an event we do not use.
                Ok(_) => continue,
                // Without input the loop could never end: let it quit.
                Err(_) => Msg::InputClosed,
            };
            let closed = matches!(msg, Msg::InputClosed);
            if tx.send(msg).is_err() || closed {
                return;
            }
        }
    })
}

/// `v`: give the terminal to `$PAGER` in cooked mode (input thread paused,
/// mouse released, alternate screen left), then take it back and draw the
/// whole screen again. The workstation stays up whatever the pager does.
fn run_pager(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    gate: &InputGate,
    job: &crate::tui::pager::PagerJob,
) -> io::Result<()> {
    gate.pause();
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
    let result = crate::tui::pager::show(job, std::env::var_os("PAGER").as_deref());
    crossterm::terminal::enable_raw_mode()?;
    execute!(
        io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        EnableMouseCapture
    )?;
    terminal.clear()?;
    gate.resume();
    pager_finished(app, result);
    app.dirty = true;
    Ok(())
}

/// Say how the pager ended, once the terminal is back.
pub fn pager_finished(app: &mut App, result: Result<(), String>) {
    let (level, text) = crate::tui::pager::finished(result);
    app.say(level, text);
}

/// A write under way finishes (or is refused) before the workstation
/// exits: never a record cut off half-written. Its outcome, if it came in
/// now, is returned to be printed once the terminal is restored.
fn finish_write(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    rx: &Receiver<Msg>,
    write: Option<JoinHandle<()>>,
) -> Option<String> {
    let h = write?;
    if h.is_finished() && app.writing.running.is_none() {
        return None;
    }
    app.say(
        crate::tui::app::Level::Info,
        crate::tui::strings::QUIT_AFTER_WRITE,
    );
    let _ = terminal.draw(|f| ui::render(app, f));
    let _ = h.join();
    let mut said = None;
    while let Ok(msg) = rx.try_recv() {
        if matches!(msg, Msg::Written { .. }) {
            update(app, msg);
            said = app.message.as_ref().map(|(_, text)| text.clone());
        }
    }
    said
}

/// Apply messages; draw when the state changed, at most once per frame.
fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    rx: &Receiver<Msg>,
    tx: &Sender<Msg>,
    reload: &dyn Fn(),
    start_watch: &mut dyn FnMut(),
    gate: &InputGate,
) -> io::Result<Option<String>> {
    let size = terminal.size()?;
    update(app, Msg::Resize(size.width, size.height));
    let mut last_draw: Option<Instant> = None;
    let mut write: Option<JoinHandle<()>> = None;
    let mut latency = crate::tui::key_latency::KeyLatency::from_env();
    loop {
        // Background work the last messages asked for (panes 3-5, writes).
        panes::jobs::spawn_all(&mut app.panes.jobs, tx);
        crate::tui::writes::spawn(&mut app.writing, tx, &mut write);
        if app.dirty && last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
            terminal.draw(|f| ui::render(app, f))?;
            app.dirty = false;
            last_draw = Some(Instant::now());
            latency.drawn();
        }
        latency.pass();
        if app.quit {
            return Ok(finish_write(terminal, app, rx, write.take()));
        }
        // What `update` left for the terminal and the loader.
        if let Some(text) = app.outbox.clipboard.take() {
            let mut out = io::stdout();
            out.write_all(crate::tui::clipboard::osc52(&text).as_bytes())?;
            out.flush()?;
        }
        if let Some(job) = app.outbox.pager.take() {
            run_pager(terminal, app, gate, &job)?;
            continue;
        }
        if std::mem::take(&mut app.outbox.reload) {
            reload();
        }
        if let Some(out) = app.outbox.export.take() {
            crate::tui::export::spawn_bundle(
                app.ledger.clone(),
                out,
                std::mem::take(&mut app.outbox.export_force),
                app.writing.clock.clone(),
                tx.clone(),
            );
        }
        if let Some(job) = app.outbox.records.take() {
            crate::tui::export_records::spawn(job, tx.clone());
        }
        if !matches!(app.report, crate::tui::app::Loading::Pending) {
            start_watch(); // once; later calls do nothing
        }
        let timeout = match last_draw {
            Some(t) if app.dirty => FRAME.saturating_sub(t.elapsed()),
            _ => TICK,
        };
        match rx.recv_timeout(timeout) {
            Ok(msg) => {
                let start = Instant::now();
                let mut apply = |app: &mut App, msg: Msg| {
                    if matches!(msg, Msg::Key(_)) {
                        latency.key(Instant::now());
                    }
                    update(app, msg);
                };
                apply(app, msg);
                // Apply everything already waiting before drawing once.
                while !app.quit
                    && let Ok(msg) = rx.try_recv()
                {
                    apply(app, msg);
                }
                // The pass ends with the frame drawn at the top of the loop.
                latency.began(start);
            }
            Err(RecvTimeoutError::Timeout) if !app.dirty => update(app, Msg::Tick),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Ok(None),
        }
    }
}
