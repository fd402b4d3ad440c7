//! The clock every command that records "now" reads: the machine's, or a
//! fixed one named by the environment variable [`ENV`] (for tests and
//! demos, so that nothing they check depends on this machine's clocks,
//! uptime or boot).
//!
//! `ISS_FIXED_CLOCK=UTC[,mono_ns=N][,boot_id=UUID][,step_ns=N]`, where UTC
//! is an RFC 3339 time with an offset, as `--at` takes it
//! (`2026-11-27T10:00:00.250000Z`: no fraction, or six digits): the first
//! reading is UTC on the system clock and `mono_ns` (default one hour) on
//! the monotonic clock, in boot `boot_id` (default
//! [`FIXED_BOOT_ID`]); each reading after it is `step_ns` (default one
//! second) later on both. `--at` and `--mono-ns` still take precedence.

use crate::ledger::clock::{BootId, Clock, ClockReading, FIXED_BOOT_ID, FixedClock, SystemClock};
use anyhow::{Context, bail};
use std::sync::Arc;

/// The environment variable that fixes the clock.
pub const ENV: &str = "ISS_FIXED_CLOCK";

/// The clock of this run: fixed by [`ENV`] when it is set, else the machine's.
pub fn clock() -> anyhow::Result<Arc<dyn Clock>> {
    match std::env::var(ENV) {
        Ok(spec) => Ok(Arc::new(
            parse(&spec).with_context(|| format!("{ENV}={spec:?}"))?,
        )),
        Err(std::env::VarError::NotPresent) => Ok(Arc::new(SystemClock)),
        Err(e) => bail!("{ENV}: {e}"),
    }
}

/// Microseconds since 1970 from `clock`, refused before 1970 (no legacy
/// record can carry such a time).
pub fn now_micros(clock: &dyn Clock) -> anyhow::Result<i64> {
    let micros = clock.now_micros();
    if micros < 0 {
        bail!("the system clock is before 1970");
    }
    Ok(micros)
}

/// Parse a fixed clock's specification (see the module docs).
pub fn parse(spec: &str) -> anyhow::Result<FixedClock> {
    let mut parts = spec.split(',');
    let utc = parts.next().unwrap_or_default().trim();
    let Some(unix_s) = crate::ledger::legacy::verify::time_checks::iso_to_unix(utc) else {
        bail!(
            "expected it to start with an RFC 3339 time with an offset, e.g. \
             2026-11-27T10:00:00.250000Z (no fraction, or 6 digits), found {utc:?}"
        );
    };
    // Microseconds, as `--at`: exact through the parser's f64.
    let utc_unix_ns = ((unix_s * 1e6).round() as i64).saturating_mul(1000);
    let mut reading = ClockReading {
        utc_unix_ns,
        mono_ns: 3_600_000_000_000,
        boot_id: BootId::Known(FIXED_BOOT_ID.to_owned()),
    };
    let mut step_ns = 1_000_000_000;
    for part in parts {
        let Some((key, value)) = part.trim().split_once('=') else {
            bail!("expected key=value after the time, found {part:?}");
        };
        let number = || {
            value.parse::<u64>().with_context(|| {
                format!("{key}: expected a whole number of nanoseconds, found {value:?}")
            })
        };
        match key {
            "mono_ns" => reading.mono_ns = number()?,
            "step_ns" => step_ns = number()?,
            "boot_id" => {
                reading.boot_id = BootId::Known(value.to_ascii_lowercase());
            }
            _ => bail!("unknown key {key:?}: expected mono_ns, boot_id or step_ns"),
        }
    }
    Ok(FixedClock::new(reading, step_ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_specification_sets_every_clock() {
        let c = parse("2026-11-27T10:00:00.250000Z,mono_ns=42,boot_id=ABC,step_ns=5").unwrap();
        let a = c.read();
        assert_eq!(a.utc_unix_ns, 1_795_773_600_250_000_000);
        assert_eq!(a.mono_ns, 42);
        assert_eq!(a.boot_id, BootId::Known("abc".into()));
        let b = c.read();
        assert_eq!(
            (b.utc_unix_ns - a.utc_unix_ns, b.mono_ns - a.mono_ns),
            (5, 5)
        );
    }

    #[test]
    fn defaults_and_refusals() {
        let a = parse("2026-11-27T10:00:00Z").unwrap().read();
        assert_eq!(a.mono_ns, 3_600_000_000_000);
        assert_eq!(a.boot_id, BootId::Known(FIXED_BOOT_ID.into()));
        for bad in [
            "",
            "yesterday",
            "2026-11-27T10:00:00Z,mono_ns",
            "2026-11-27T10:00:00Z,mono_ns=-1",
            "2026-11-27T10:00:00Z,uptime=5",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
