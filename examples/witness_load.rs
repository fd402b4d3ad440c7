//! Load generator for `iss witness serve` (README, "Witnesses"): starts a
//! witness on loopback (in this process, the same server code), then sends
//! valid `add-checkpoint` requests from several client threads, each
//! growing its own log one record at a time with a consistency proof, over
//! keep-alive connections; prints the requests per second.
//!
//! `cargo run --release --example witness_load -- [LOGS] [REQUESTS_PER_LOG]`
//!
//! With `--emit DIR LOGS REQUESTS_PER_LOG` it starts nothing and writes the
//! same requests for an outside load generator instead
//! (`scripts/bench_witness_wrk.sh`): `DIR/logs.txt`, one `ORIGIN=VKEY` per
//! line for `iss witness serve --log`, and `DIR/log<i>.bodies`, log i's
//! request bodies in order, each ended by a 0x1e byte.

use iss_workstation::tlog::checkpoint::{Checkpoint, sign_checkpoint};
use iss_workstation::tlog::merkle::{consistency_proof, leaf_hash, root_of};
use iss_workstation::tlog::note::{Cosigner, Signer};
use iss_workstation::tlog::witness::{AddCheckpoint, WitnessedLog};
use iss_workstation::witness::server::{Witness, serve};
use iss_workstation::witness::state::StateDir;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().is_some_and(|a| a == "--emit") {
        args.next();
        let dir = std::path::PathBuf::from(args.next().expect("DIR"));
        let logs: usize = args.next().expect("LOGS").parse().expect("LOGS");
        let per_log: u64 = args.next().expect("REQUESTS").parse().expect("REQUESTS");
        emit(&dir, logs, per_log);
        return;
    }
    let logs: usize = args.next().map_or(8, |a| a.parse().expect("LOGS"));
    let per_log: u64 = args
        .next()
        .map_or(500, |a| a.parse().expect("REQUESTS_PER_LOG"));
    let log_key = Signer::generate("load.example/log").unwrap();
    let witness_key = Cosigner::from_signer(&Signer::generate("load.example/witness").unwrap());
    let origins: Vec<String> = (0..logs).map(|i| format!("load.example/log{i}")).collect();
    let state_dir = tempfile::tempdir().unwrap();
    let witness = Witness::new(
        witness_key,
        origins
            .iter()
            .map(|o| WitnessedLog {
                origin: o.clone(),
                keys: vec![log_key.verifier()],
            })
            .collect(),
        StateDir::open(state_dir.path()).unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/add-checkpoint", listener.local_addr().unwrap());
    std::thread::spawn(move || serve(listener, witness, |_| {}).unwrap());

    // Every request body, made before the clock starts.
    let bodies = request_bodies(&origins, &log_key, per_log);

    let start = Instant::now();
    let threads: Vec<_> = bodies
        .into_iter()
        .map(|bodies| {
            let url = url.clone();
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                for body in bodies {
                    let mut r = agent.post(&url).send(&body).unwrap();
                    let status = r.status().as_u16();
                    let text = r.body_mut().read_to_string().unwrap();
                    assert_eq!(status, 200, "{text}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let total = logs as f64 * per_log as f64;
    println!(
        "{total} add-checkpoint requests ({logs} logs x {per_log}, each cosigned and fsynced) in {secs:.2} s: {:.0} requests/s",
        total / secs
    );
}

/// Per origin, the `add-checkpoint` bodies growing its log from 1 to
/// `per_log` records, each with the consistency proof from the size before.
fn request_bodies(origins: &[String], log_key: &Signer, per_log: u64) -> Vec<Vec<String>> {
    origins
        .iter()
        .map(|origin| {
            let leaves: Vec<_> = (0..per_log)
                .map(|i| leaf_hash(format!("{origin} {i}").as_bytes()))
                .collect();
            (1..=per_log)
                .map(|size| {
                    let n = usize::try_from(size).unwrap();
                    let cp = Checkpoint {
                        origin: origin.clone(),
                        size,
                        root: root_of(&leaves[..n]),
                        extensions: Vec::new(),
                    };
                    AddCheckpoint {
                        old_size: size - 1,
                        proof: if size == 1 {
                            Vec::new()
                        } else {
                            consistency_proof(&leaves[..n], size - 1).unwrap()
                        },
                        note: sign_checkpoint(&cp, log_key).unwrap(),
                    }
                    .to_body()
                })
                .collect()
        })
        .collect()
}

/// `--emit`: the requests as files for an outside load generator.
fn emit(dir: &std::path::Path, logs: usize, per_log: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let log_key = Signer::generate("load.example/log").unwrap();
    let origins: Vec<String> = (0..logs).map(|i| format!("load.example/log{i}")).collect();
    let vkey = log_key.verifier().vkey();
    let mut config = String::new();
    for o in &origins {
        config.push_str(o);
        config.push('=');
        config.push_str(&vkey);
        config.push('\n');
    }
    std::fs::write(dir.join("logs.txt"), config).unwrap();
    for (i, bodies) in request_bodies(&origins, &log_key, per_log)
        .into_iter()
        .enumerate()
    {
        let mut out = String::new();
        for b in bodies {
            out.push_str(&b);
            out.push('\u{1e}');
        }
        std::fs::write(dir.join(format!("log{}.bodies", i + 1)), out).unwrap();
    }
}
