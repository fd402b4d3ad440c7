//! `iss serve`: arguments and environment (`PORT`, `LOG_LEVEL`) to
//! [`crate::server`]'s options; the token file checked before anything
//! listens.

use super::EXIT_OK;
use super::args::ServeArgs;
use crate::server::{self, Options, log};
use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::path::Path;

/// The address to listen on: `--listen` as given (a bare port means
/// 127.0.0.1), else 127.0.0.1 and `PORT` (8000 when unset).
pub fn listen_address(listen: Option<&str>, port: Option<&str>) -> anyhow::Result<SocketAddr> {
    let port_of = |text: &str, what: &str| -> anyhow::Result<u16> {
        text.trim()
            .parse::<u16>()
            .with_context(|| format!("{what} {text:?} is not a port number (0 to 65535)"))
    };
    if let Some(l) = listen {
        if let Ok(addr) = l.parse::<SocketAddr>() {
            return Ok(addr);
        }
        if let Ok(ip) = l.parse::<std::net::IpAddr>() {
            let p = port.map_or(Ok(8000), |p| port_of(p, "PORT"))?;
            return Ok(SocketAddr::new(ip, p));
        }
        let p = port_of(l, "--listen")?;
        return Ok(SocketAddr::from(([127, 0, 0, 1], p)));
    }
    let p = port.map_or(Ok(8000), |p| port_of(p, "PORT"))?;
    Ok(SocketAddr::from(([127, 0, 0, 1], p)))
}

/// The token in `path`: refused unless only its owner can read it.
pub fn read_token(path: &Path) -> anyhow::Result<String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "{}: the token file must be readable by its owner only (mode 0600), found mode {mode:04o}; run `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let token = text.trim().to_owned();
    if token.len() < 16 || token.chars().any(char::is_whitespace) {
        bail!(
            "{}: expected one token of at least 16 characters without spaces, found {} characters",
            path.display(),
            token.len()
        );
    }
    Ok(token)
}

/// The keys, read (and checked against the ledger) before anything
/// listens, only for a native ledger: with `--write` the writer's (signing
/// and HMAC); read-only, the HMAC key alone, which the watcher checks each
/// record's MAC with.
fn keys(
    args: &ServeArgs,
) -> anyhow::Result<(
    Option<crate::tlog::note::Signer>,
    Option<crate::ledger::native::secret::MacKey>,
)> {
    let given = args.keys.key.is_some() || args.keys.mac_key.is_some();
    if !crate::ledger::open::Ledger::at(&args.path).signs_checkpoints() {
        if given && args.write {
            bail!(
                "{}: --key and --mac-key are a native ledger's keys; this is a legacy ledger, written without keys",
                args.path.display()
            );
        }
        return Ok((None, None));
    }
    if !args.write {
        // A read-only server signs nothing, but checks each record's MAC
        // with the HMAC key when given one, as `iss verify --mac-key` does.
        let ledger = crate::ledger::open::Ledger::review(&args.path, args.keys.mac_key.as_deref())
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.path.display()))?;
        return Ok((None, ledger.keys().mac_key.clone()));
    }
    let keys = super::native::open(&args.path, &args.keys)?.keys().clone();
    Ok((keys.signer, keys.mac_key))
}

/// Run `iss serve`.
pub fn run(args: &ServeArgs) -> anyhow::Result<u8> {
    if let Ok(level) = std::env::var("LOG_LEVEL") {
        let Some(l) = log::parse_level(&level) else {
            bail!("LOG_LEVEL {level:?}: expected DEBUG, INFO, WARNING, ERROR or CRITICAL");
        };
        log::set_level(l);
    }
    let port = std::env::var("PORT").ok();
    let listen = listen_address(args.listen.as_deref(), port.as_deref())?;
    let token = match &args.token_file {
        Some(f) if args.write => Some(read_token(f)?),
        _ => None,
    };
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        bail!(
            "--timeout {}: expected a positive number of seconds",
            args.timeout
        );
    }
    crate::ledger::discover::discover(&args.path)?;
    let (signer, mac_key) = keys(args)?;
    server::serve(&Options {
        path: args.path.clone(),
        listen,
        token,
        body_limit: args.body_limit,
        timeout: std::time::Duration::from_secs_f64(args.timeout),
        signer,
        mac_key,
    })?;
    Ok(EXIT_OK)
}
