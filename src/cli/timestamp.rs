//! `iss checkpoint --tsa URL --tsa-cert FILE` (RFC 3161 timestamps over the
//! checkpoints just written, `docs/TIMESTAMPS.md`) and the `--tsa-cert`
//! certificates `iss verify` checks stored tokens with. The protocol is
//! `tlog::rfc3161`'s, the files `ledger::native::format::timestamps`'; here are the
//! HTTP exchange and what the user is told.

use crate::ledger::append::{FollowUpFailed, command_for};
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::format::timestamps;
use crate::ledger::native::write::CheckpointAck;
use crate::tlog::rfc3161::request::{QUERY_MEDIA_TYPE, build_request, check_reply, load_tsa_cert};
use anyhow::Context;
use clap::Args;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use x509_cert::Certificate;

/// How long one exchange with the TSA may take.
const TSA_TIMEOUT: Duration = Duration::from_secs(30);
/// A reply larger than this is not a timestamp reply.
const MAX_REPLY_BYTES: u64 = 1 << 20;

/// `iss checkpoint`'s timestamp options.
#[derive(Debug, Args, Clone, Default)]
pub struct TsaArgs {
    /// After the checkpoints are written, get an RFC 3161 timestamp token
    /// over each chain's newest checkpoint note from this Time-Stamp
    /// Authority (`http://` URL) and store it beside the checkpoint history
    /// (docs/TIMESTAMPS.md). Needs --tsa-cert.
    #[arg(long, value_name = "URL", requires = "tsa_cert")]
    pub tsa: Option<String>,
    /// The TSA's certificate (PEM or DER, extended key usage timeStamping):
    /// a reply not signed by it is refused.
    #[arg(long, value_name = "FILE", requires = "tsa")]
    pub tsa_cert: Option<PathBuf>,
}

/// A TSA ready to ask: its URL and the certificate its replies must carry.
#[derive(Debug)]
pub struct Tsa {
    url: String,
    cert_path: PathBuf,
    cert: Certificate,
}

/// Read a TSA certificate file.
pub fn read_cert(path: &Path) -> anyhow::Result<Certificate> {
    let bytes = crate::ledger::input::read_once(path, MAX_REPLY_BYTES)
        .with_context(|| format!("reading the TSA certificate {}", path.display()))?;
    load_tsa_cert(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The certificates `iss verify --tsa-cert` was given.
pub fn read_certs(paths: &[PathBuf]) -> anyhow::Result<Vec<Certificate>> {
    paths.iter().map(|p| read_cert(p)).collect()
}

/// The TSA asked for, its certificate read before anything is written (a
/// bad certificate changes nothing).
pub fn prepare(args: &TsaArgs) -> anyhow::Result<Option<Tsa>> {
    let (Some(url), Some(cert_path)) = (&args.tsa, &args.tsa_cert) else {
        return Ok(None);
    };
    if !url.starts_with("http://") && !url.starts_with("https://") {
        anyhow::bail!("--tsa {url:?}: expected an http:// URL");
    }
    Ok(Some(Tsa {
        url: url.clone(),
        cert_path: cert_path.clone(),
        cert: read_cert(cert_path)?,
    }))
}

/// A shell word for a command the user is told to run.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@%=".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Ask the TSA for a token over `note`, check the reply, return the token.
fn request_token(tsa: &Tsa, note: &str) -> Result<(Vec<u8>, String), String> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| format!("no random nonce: {e}"))?;
    // A non-zero first byte: the INTEGER keeps all 8 bytes.
    nonce[0] |= 0x01;
    let query = build_request(note.as_bytes(), &nonce)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TSA_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut reply = agent
        .post(&tsa.url)
        .header("Content-Type", QUERY_MEDIA_TYPE)
        .send(&query[..])
        .map_err(|e| format!("no reply from the TSA {}: {e}", tsa.url))?;
    let status = reply.status();
    let mut body = Vec::new();
    reply
        .body_mut()
        .as_reader()
        .take(MAX_REPLY_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("reading the reply of the TSA {}: {e}", tsa.url))?;
    if !status.is_success() {
        return Err(format!(
            "the TSA {} answered HTTP {status}: {}",
            tsa.url,
            String::from_utf8_lossy(&body[..body.len().min(200)]).trim()
        ));
    }
    if body.len() as u64 > MAX_REPLY_BYTES {
        return Err(format!(
            "the TSA {} sent more than {MAX_REPLY_BYTES} bytes: not a timestamp reply",
            tsa.url
        ));
    }
    let (token, facts) = check_reply(&body, note.as_bytes(), &nonce, &tsa.cert)
        .map_err(|e| format!("the reply of the TSA {}: {e}", tsa.url))?;
    Ok((token, facts.gen_time))
}

/// Get, check and store a token over each checkpoint in `acks` that has
/// none yet. The checkpoints are durable before this runs: a failure is
/// exit 3 with the command that finishes it.
pub fn stamp(ledger: &Path, tsa: &Tsa, acks: &[CheckpointAck], json: bool) -> anyhow::Result<u8> {
    let mut out = super::output::stdout();
    for ack in acks {
        let Some(chain) = Chain::from_name(ack.chain) else {
            continue;
        };
        let path = timestamps::dir(ledger, chain).join(timestamps::token_name(ack.size, &ack.note));
        let done = if timestamps::has_token(ledger, chain, ack.size, &ack.note) {
            Ok((path, None))
        } else {
            request_token(tsa, &ack.note).and_then(|(token, time)| {
                timestamps::store(ledger, chain, ack.size, &ack.note, &token)
                    .map(|p| (p, Some(time)))
                    .map_err(|e| e.to_string())
            })
        };
        match done {
            Ok((path, time)) => {
                if json {
                    writeln!(
                        out,
                        "{}",
                        serde_json::json!({ "timestamp": {
                            "chain": ack.chain,
                            "origin": ack.origin,
                            "size": ack.size,
                            "file": path.display().to_string(),
                            "gen_time": time,
                            "new": time.is_some(),
                        }})
                    )?;
                } else if let Some(t) = time {
                    writeln!(
                        out,
                        "{}: timestamped size {} at {t} by {}: {}",
                        ack.chain,
                        ack.size,
                        tsa.url,
                        path.display()
                    )?;
                } else {
                    writeln!(
                        out,
                        "{}: size {} already timestamped: {}",
                        ack.chain,
                        ack.size,
                        path.display()
                    )?;
                }
            }
            Err(error) => {
                drop(out);
                let f = FollowUpFailed {
                    what: format!(
                        "the timestamp of the {} checkpoint of size {}",
                        ack.chain, ack.size
                    ),
                    error,
                    finish_with: format!(
                        "{} --tsa {} --tsa-cert {}",
                        command_for("checkpoint", ledger),
                        shell_word(&tsa.url),
                        shell_word(&tsa.cert_path.display().to_string())
                    ),
                };
                return super::native::follow_up_failed(&f, json, "the checkpoints above are");
            }
        }
    }
    Ok(super::EXIT_OK)
}

/// `iss verify`: check the tokens a native ledger stores (`--tsa-cert`
/// with another kind of ledger is refused: it has no tokens).
pub fn check_stored(
    path: &Path,
    cert_paths: &[PathBuf],
    certs: &[Certificate],
    report: &mut crate::ledger::model::report::VerifyReport,
) -> anyhow::Result<()> {
    if !crate::ledger::open::Ledger::at(path).signs_checkpoints() {
        if let Some(p) = cert_paths.first() {
            anyhow::bail!(
                "--tsa-cert {}: {} is not a native ledger, and only native ledgers store timestamp tokens",
                p.display(),
                path.display()
            );
        }
        return Ok(());
    }
    crate::ledger::native::verify::timestamps::check_all(path, certs, report);
    Ok(())
}
