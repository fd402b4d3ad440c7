//! A fuzzing session: runs until the time is up, each run from its own
//! seed (`--seed S --run N` replays run N exactly); counts; reproducers.

use crate::corpus::{self, Baseline, Kind};
use crate::exec::{self, Failure, Outcome};
use crate::mutate::{self, Mutation};
use crate::oracle::hashed_change;
use crate::rng::Rng;
use iss_workstation::ledger::verify::{VerifyOptions, verify_path};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What to fuzz, for how long.
#[derive(Debug)]
pub struct Plan {
    /// The session's seed.
    pub seed: u64,
    /// Only this run, then stop.
    pub only_run: Option<u64>,
    /// How long (ignored with `only_run`).
    pub duration: Duration,
    /// Where reproducers go.
    pub out: PathBuf,
    /// Time limit of one command, and of the workstation.
    pub limit: Duration,
}

/// The counts the session reports.
#[derive(Debug, Default)]
struct Counts {
    runs: u64,
    unchanged: u64,
    hashed: u64,
    commands: u64,
    workstations: u64,
    clean: u64,
    failures: BTreeMap<&'static str, u64>,
    kinds: BTreeMap<&'static str, u64>,
}

/// Run the session; whether no failure was found.
pub fn fuzz(plan: &Plan) -> bool {
    println!(
        "fuzz: seed {seed} (replay this session: cargo run --release --example fuzz -- --seed {seed} --minutes M)",
        seed = plan.seed
    );
    let work = tempfile::Builder::new()
        .prefix("iss-fuzz-")
        .tempdir()
        .expect("a work folder");
    let baselines = corpus::build(&work.path().join("base"), plan.seed);
    let signed: Vec<BTreeMap<String, u64>> = baselines.iter().map(signed_sizes).collect();
    let start = Instant::now();
    let mut counts = Counts::default();
    let runs: Box<dyn Iterator<Item = u64>> = match plan.only_run {
        Some(n) => Box::new(std::iter::once(n)),
        None => Box::new(0..),
    };
    for run in runs {
        if plan.only_run.is_none() && start.elapsed() >= plan.duration {
            break;
        }
        let dir = work.path().join("run").join("ledger");
        let _ = std::fs::remove_dir_all(work.path().join("run"));
        let mut rng = Rng::for_run(plan.seed, run);
        let i = rng.below(baselines.len());
        let (base, sizes) = (&baselines[i], &signed[i]);
        corpus::copy(&base.dir, &dir);
        let files = corpus::files(&dir);
        let mutations: Vec<Mutation> = (0..rng.between(1, 3))
            .map(|_| {
                let m = mutate::random(&mut rng, &dir, &files);
                m.apply(&dir).expect("a mutation written");
                m
            })
            .collect();
        counts.runs += 1;
        *counts.kinds.entry(base.kind.name()).or_default() += 1;
        let hashed = hashed_reasons(base, &dir, sizes);
        if files
            .iter()
            .all(|f| std::fs::read(base.dir.join(f)).ok() == std::fs::read(dir.join(f)).ok())
        {
            counts.unchanged += 1;
            continue;
        }
        counts.hashed += u64::from(!hashed.is_empty());
        let watch = rng.one_in(4);
        let found = check(&dir, &base.id, &hashed, watch, plan.limit, &mut counts);
        for (failure, what) in found {
            *counts.failures.entry(failure.name()).or_default() += 1;
            let saved = save(plan, run, base, &dir, &mutations, &hashed, failure, &what);
            println!(
                "fuzz: {} in run {run} ({}): {}\n  saved in {}\n  replay: cargo run --release --example fuzz -- --replay {}\n  or:     cargo run --release --example fuzz -- --seed {} --run {run}",
                failure.name(),
                base.kind.name(),
                first_line(&what),
                saved.display(),
                saved.join("mutated").display(),
                plan.seed
            );
        }
    }
    report(&counts, start.elapsed());
    counts.failures.is_empty()
}

/// Newest signed size of each chain of a native baseline, by file name.
fn signed_sizes(b: &Baseline) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    if !b.kind.is_native() {
        return out;
    }
    if let Ok(r) = verify_path(&b.dir, &VerifyOptions::default()) {
        for f in &r.files {
            if let Some(n) = &f.native {
                out.insert(format!("{}.jsonl", f.name), n.signed_size.unwrap_or(0));
            }
        }
    }
    out
}

fn hashed_reasons(base: &Baseline, dir: &Path, sizes: &BTreeMap<String, u64>) -> Vec<String> {
    corpus::files(&base.dir)
        .iter()
        .chain(corpus::files(dir).iter())
        .filter_map(|rel| {
            let old = std::fs::read(base.dir.join(rel)).unwrap_or_default();
            let new = std::fs::read(dir.join(rel)).unwrap_or_default();
            let name = rel.file_name()?.to_str()?;
            hashed_change(base.kind, rel, &old, &new, sizes.get(name).copied())
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The read commands on `dir`, then the workstation. Returns each failure
/// with what happened.
fn check(
    dir: &Path,
    id: &str,
    hashed: &[String],
    watch: bool,
    limit: Duration,
    counts: &mut Counts,
) -> Vec<(Failure, String)> {
    let path = dir.display().to_string();
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["verify", "--json", &path],
        vec!["verify", &path],
        vec!["report", "maturity", "--json", &path],
        vec!["report", "time", "--json", &path],
        vec!["pulses", "--json", "--limit", "0", &path],
        vec!["audit", &path, id],
        vec!["show", "--json", &path, id],
        vec!["health", &path],
        vec!["refs", &path],
    ];
    if watch {
        commands.push(vec!["watch", "--json", "--timeout", "0.3", &path]);
    }
    let mut found = Vec::new();
    for args in commands {
        let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        let o = exec::iss(&args, limit);
        counts.commands += 1;
        if let Some(f) = o.failure() {
            found.push((f, describe(&o)));
        }
        if args[..2] != ["verify", "--json"] || o.timed_out {
            continue;
        }
        let status = serde_json::from_slice::<serde_json::Value>(&o.stdout)
            .ok()
            .and_then(|v| v["status"].as_str().map(str::to_owned));
        let clean = status.as_deref() == Some("clean");
        if clean != (o.code == Some(0)) && o.failure().is_none() {
            found.push((
                Failure::Exit,
                format!(
                    "{}: exit {:?} with status {status:?} (0 is clean, and only clean)",
                    o.command, o.code
                ),
            ));
        }
        if clean || o.code == Some(0) {
            counts.clean += 1;
            if !hashed.is_empty() {
                let what = format!(
                    "{}: exit 0, clean, after a change to hashed bytes: {}",
                    o.command,
                    hashed.join("; ")
                );
                found.push((Failure::Miss, what));
            }
        }
    }
    counts.workstations += 1;
    if let Err((f, what)) = exec::workstation(dir, limit) {
        found.push((f, format!("the workstation on {path}: {what}")));
    }
    found
}

fn describe(o: &Outcome) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr);
    let tail: String = stderr.lines().take(20).collect::<Vec<_>>().join("\n  ");
    format!(
        "{}: exit {:?}{}\n  {tail}",
        o.command,
        o.code,
        if o.timed_out {
            " (killed: time limit)"
        } else {
            ""
        }
    )
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

/// Save a reproducer: the original and the mutated ledger (with the key
/// beside each), the mutations, the failure and the commands to replay.
#[allow(clippy::too_many_arguments)]
fn save(
    plan: &Plan,
    run: u64,
    base: &Baseline,
    dir: &Path,
    mutations: &[Mutation],
    hashed: &[String],
    failure: Failure,
    what: &str,
) -> PathBuf {
    let to = plan.out.join(format!(
        "{}-{}-seed{}-run{run}",
        failure.name(),
        base.kind.name(),
        plan.seed
    ));
    let _ = std::fs::remove_dir_all(&to);
    corpus::copy(&base.dir, &to.join("original"));
    let to = std::fs::canonicalize(&to).unwrap_or(to);
    corpus::copy(dir, &to.join("mutated"));
    let mut text = format!(
        "seed {}\nrun {run}\nkind {}\nfailure {}\n\n{what}\n\nmutations:\n",
        plan.seed,
        base.kind.name(),
        failure.name()
    );
    for m in mutations {
        let _ = writeln!(text, "  {m}");
    }
    let _ = writeln!(text, "\nhashed changes (oracle):");
    for h in hashed {
        let _ = writeln!(text, "  {h}");
    }
    let _ = writeln!(
        text,
        "\nreplay:\n  cargo run --release --example fuzz -- --replay {}\n  cargo run --release --example fuzz -- --seed {} --run {run}",
        to.join("mutated").display(),
        plan.seed
    );
    std::fs::write(to.join("failure.txt"), text).expect("the reproducer");
    to
}

fn report(c: &Counts, took: Duration) {
    let f = |k: &str| c.failures.get(k).copied().unwrap_or(0);
    println!(
        "fuzz: {} runs in {:.0} s ({}), {} unchanged by their mutations, {} with hashed bytes changed; {} commands, {} workstation sessions; {} verdicts clean; panics {}, hangs {}, bad exits {}, misses {}",
        c.runs,
        took.as_secs_f64(),
        c.kinds
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        c.unchanged,
        c.hashed,
        c.commands,
        c.workstations,
        c.clean,
        f("panic"),
        f("hang"),
        f("exit"),
        f("miss")
    );
}

/// Run the commands and the workstation on a saved ledger; with its
/// `original` beside it (a reproducer), the miss check too.
pub fn replay(dir: &Path, limit: Duration) -> bool {
    let mut counts = Counts::default();
    let kind = if dir.join("iss-ledger.json").exists() {
        Kind::Native
    } else {
        Kind::Legacy
    };
    let original = dir.with_file_name("original");
    let mut hashed = Vec::new();
    let mut id = "0".repeat(16);
    if original.is_dir() {
        let base = Baseline {
            kind,
            dir: original.clone(),
            id: String::new(),
        };
        let sizes = signed_sizes(&base);
        hashed = hashed_reasons(&base, dir, &sizes);
        id = first_id(&original, kind).unwrap_or(id);
    }
    let found = check(dir, &id, &hashed, true, limit, &mut counts);
    for (f, what) in &found {
        println!("fuzz: {}: {what}", f.name());
    }
    println!(
        "fuzz: replayed {} ({} commands): {} failure(s)",
        dir.display(),
        counts.commands,
        found.len()
    );
    found.is_empty()
}

fn first_id(dir: &Path, kind: Kind) -> Option<String> {
    let (file, pointer) = if kind.is_native() {
        ("descriptors.jsonl", "/body/descriptor_id")
    } else {
        ("data/spice_layer/spice_chain.jsonl", "/descriptor_id")
    };
    let text = std::fs::read_to_string(dir.join(file)).ok()?;
    let v: serde_json::Value = serde_json::from_str(text.lines().next()?).ok()?;
    v.pointer(pointer)?.as_str().map(str::to_owned)
}
