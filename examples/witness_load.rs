//! Load generator for `iss witness serve` (README, "Witnesses"): starts a
//! witness on loopback (in this process, the same server code), then sends
//! valid `add-checkpoint` requests from several client threads, each
//! growing its own log one record at a time with a consistency proof, over
//! keep-alive connections; prints the requests per second.
//!
//! `cargo run --release --example witness_load -- [LOGS] [REQUESTS_PER_LOG]`

use iss_workstation::tlog::checkpoint::{Checkpoint, sign_checkpoint};
use iss_workstation::tlog::merkle::{consistency_proof, leaf_hash, root_of};
use iss_workstation::tlog::note::{Cosigner, Signer};
use iss_workstation::tlog::witness::{AddCheckpoint, WitnessedLog};
use iss_workstation::witness::server::{Witness, serve};
use iss_workstation::witness::state::StateDir;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
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
    let bodies: Vec<Vec<String>> = origins
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
                        note: sign_checkpoint(&cp, &log_key).unwrap(),
                    }
                    .to_body()
                })
                .collect()
        })
        .collect();

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
