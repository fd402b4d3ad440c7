//! `iss checkpoint --witness URL=VKEY`: asking witnesses for cosignatures
//! over HTTP (the client side of c2sp.org/tlog-witness).
//!
//! For each witness: send the checkpoint with the old size the witness is
//! believed to hold (the size of the previous checkpoint it cosigned, read
//! from the ledger's own history, else 0); on 409 the witness names its
//! size, and the request is sent once more with a proof from there. Only
//! signature lines that verify under the witness's configured key are kept
//! (the spec tells clients to ignore any other).

use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::write::{ConsistencyProof, Cosign, CosignRequest};
use crate::tlog::note::{KeyKind, Verifier, open};
use crate::tlog::witness::{AddCheckpoint, parse_size_body};
use std::time::Duration;

/// One witness as given on the command line.
#[derive(Debug, Clone)]
pub struct WitnessEndpoint {
    /// Its submission prefix (`http://host:port[/path]`, no final `/`).
    pub url: String,
    /// Its cosignature key (type 0x04).
    pub key: Verifier,
}

impl WitnessEndpoint {
    /// Parses `URL=VKEY`.
    pub fn parse(s: &str) -> Result<Self, String> {
        // The URL has no '=' of its own in practice, but a vkey never does:
        // split at the last one.
        let (url, vkey) = s
            .rsplit_once('=')
            .ok_or_else(|| format!("expected URL=VKEY, found {s:?}"))?;
        let key = Verifier::from_vkey(vkey).map_err(|e| format!("{vkey:?}: {e}"))?;
        if key.kind() != KeyKind::Ed25519Cosignature {
            return Err(format!(
                "{vkey:?} is a note signer key (type 0x01); a witness key is a cosignature key (type 0x04)"
            ));
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("expected an http:// URL, found {url:?}"));
        }
        Ok(Self {
            url: url.trim_end_matches('/').to_owned(),
            key,
        })
    }
}

/// What happened with one witness for one chain.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The chain.
    pub chain: Chain,
    /// The witness's key name.
    pub witness: String,
    /// `Ok(timestamp)` of its cosignature, or why there is none.
    pub result: Result<u64, String>,
}

/// Witnesses reached over HTTP with one keep-alive agent.
pub struct HttpWitnesses {
    endpoints: Vec<WitnessEndpoint>,
    agent: ureq::Agent,
    /// Every witness's outcome, in order.
    pub outcomes: Vec<Outcome>,
}

impl HttpWitnesses {
    /// Witnesses with a per-request timeout.
    pub fn new(endpoints: Vec<WitnessEndpoint>, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .build()
            .into();
        Self {
            endpoints,
            agent,
            outcomes: Vec::new(),
        }
    }

    fn post(&self, url: &str, body: &str) -> Result<(u16, String), String> {
        let mut resp = self
            .agent
            .post(&format!("{url}/add-checkpoint"))
            .content_type("text/plain; charset=utf-8")
            .send(body)
            .map_err(|e| format!("{url}: {e}"))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{url}: reading the answer: {e}"))?;
        Ok((status, text))
    }

    /// One witness: its verified cosignature line and timestamp.
    fn ask(
        &self,
        w: &WitnessEndpoint,
        note: &str,
        previous: Option<&str>,
        proof: &ConsistencyProof<'_>,
    ) -> Result<(String, u64), String> {
        // Already cosigned by this witness (the note was signed before and
        // is being reused): nothing to ask, and no second line to store.
        if let Some(ts) = open(note, std::slice::from_ref(&w.key))
            .ok()
            .and_then(|o| o.verified.first().and_then(|s| s.timestamp))
        {
            return Ok((String::new(), ts));
        }
        let mut old = previous.and_then(|p| cosigned_size(p, &w.key)).unwrap_or(0);
        for attempt in 0..2 {
            let request = AddCheckpoint {
                old_size: old,
                proof: proof.from(old)?,
                note: note.to_owned(),
            };
            let (status, body) = self.post(&w.url, &request.to_body())?;
            match status {
                200 => return verified_line(note, &body, &w.key),
                409 if attempt == 0 => {
                    old = parse_size_body(&body)
                        .ok_or_else(|| format!("{}: 409 without a size line: {body:?}", w.url))?;
                }
                _ => {
                    return Err(format!(
                        "{}: HTTP {status}: {}",
                        w.url,
                        body.trim_end().chars().take(300).collect::<String>()
                    ));
                }
            }
        }
        Err(format!(
            "{}: 409 twice: the witness's size keeps moving",
            w.url
        ))
    }
}

/// The size of `note` when `key` cosigned it validly.
fn cosigned_size(note: &str, key: &Verifier) -> Option<u64> {
    let opened = open(note, std::slice::from_ref(key)).ok()?;
    opened.text.lines().nth(1)?.parse().ok()
}

/// The one line of `body` that is a valid cosignature by `key` on `note`.
fn verified_line(note: &str, body: &str, key: &Verifier) -> Result<(String, u64), String> {
    let text = &note[..note.rfind("\n\n").map_or(note.len(), |i| i + 1)];
    for line in body.split_inclusive('\n') {
        let candidate = format!("{text}\n{line}");
        if let Ok(opened) = open(&candidate, std::slice::from_ref(key))
            && let Some(ts) = opened.verified.first().and_then(|s| s.timestamp)
        {
            return Ok((line.to_owned(), ts));
        }
    }
    Err(format!(
        "{}: the answer holds no valid cosignature by this key: {:?}",
        key.name(),
        body.chars().take(300).collect::<String>()
    ))
}

impl Cosign for HttpWitnesses {
    /// Asks every witness about every checkpoint at once (one thread per
    /// request): a witness fsyncs its state before answering, so asking in
    /// turn would add the latencies up.
    fn cosign(&mut self, requests: &[CosignRequest<'_>]) -> Vec<Vec<String>> {
        let this = &*self;
        let results: Vec<Vec<Result<(String, u64), String>>> = std::thread::scope(|scope| {
            let handles: Vec<Vec<_>> = requests
                .iter()
                .map(|r| {
                    this.endpoints
                        .iter()
                        .map(|w| scope.spawn(move || this.ask(w, r.note, r.previous, &r.proof)))
                        .collect()
                })
                .collect();
            handles
                .into_iter()
                .map(|per_request| {
                    per_request
                        .into_iter()
                        .map(|h| {
                            h.join()
                                .unwrap_or_else(|_| Err("the request thread panicked".into()))
                        })
                        .collect()
                })
                .collect()
        });
        let mut out = Vec::with_capacity(requests.len());
        for (r, per_request) in requests.iter().zip(results) {
            let mut lines = Vec::new();
            for (w, result) in self.endpoints.iter().zip(per_request) {
                let result = result.map(|(line, ts)| {
                    if !line.is_empty() {
                        lines.push(line);
                    }
                    ts
                });
                self.outcomes.push(Outcome {
                    chain: r.chain,
                    witness: w.key.name().to_owned(),
                    result,
                });
            }
            out.push(lines);
        }
        out
    }
}
