//! Where the writers' time comes from: one [`Clock`], passed in.
//!
//! Every write that records "now" (a pulse's clocks and boot id, a new
//! descriptor's `assessed_at` and derived id, a native ledger's `created`,
//! an export's `generated_at`) reads it from a `Clock` its caller chose:
//! [`SystemClock`] in production, a [`FixedClock`] in tests and demos. So no
//! test depends on the machine's clocks or uptime unless that is what it
//! tests (a low uptime once turned a test's pulse into a counter reset).

pub use crate::ledger::native::format::pulse::clock::{BootId, ClockReading};
use std::fmt::Debug;
use std::sync::Mutex;

/// A source of clock readings.
pub trait Clock: Debug + Send + Sync {
    /// Read the clocks (system UTC, `CLOCK_MONOTONIC`, boot id) once.
    fn read(&self) -> ClockReading;

    /// Microseconds since 1970 (UTC) of one reading.
    fn now_micros(&self) -> i64 {
        self.read().utc_unix_ns.div_euclid(1000)
    }
}

/// The machine's clocks.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn read(&self) -> ClockReading {
        ClockReading::now()
    }
}

/// A clock that starts at a given reading and moves by a fixed step at
/// every reading (both the UTC and the monotonic clock), in one boot: the
/// same sequence of readings on every machine, every time.
#[derive(Debug)]
pub struct FixedClock {
    next: Mutex<ClockReading>,
    step_ns: u64,
}

/// A boot id for fixed clocks that were not given one (a valid UUID that
/// no kernel generates: version 4, all zero but the last digit).
pub const FIXED_BOOT_ID: &str = "00000000-0000-4000-8000-000000000001";

impl FixedClock {
    /// A clock whose first reading is `start`; each reading after it is
    /// `step_ns` later on both clocks.
    pub fn new(start: ClockReading, step_ns: u64) -> FixedClock {
        FixedClock {
            next: Mutex::new(start),
            step_ns,
        }
    }

    /// A clock at `utc_unix_ns` and `mono_ns`, in the boot [`FIXED_BOOT_ID`],
    /// stepping by one second.
    pub fn at(utc_unix_ns: i64, mono_ns: u64) -> FixedClock {
        FixedClock::new(
            ClockReading {
                utc_unix_ns,
                mono_ns,
                boot_id: BootId::Known(FIXED_BOOT_ID.to_owned()),
            },
            1_000_000_000,
        )
    }
}

impl Clock for FixedClock {
    fn read(&self) -> ClockReading {
        // A poisoned lock only means another reader panicked: the reading
        // inside is still whole.
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = next.clone();
        next.utc_unix_ns = next
            .utc_unix_ns
            .saturating_add(i64::try_from(self.step_ns).unwrap_or(i64::MAX));
        next.mono_ns = next.mono_ns.saturating_add(self.step_ns);
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_steps_both_clocks_from_its_start() {
        let c = FixedClock::at(1_793_523_600_000_000_000, 5_000);
        let a = c.read();
        let b = c.read();
        assert_eq!(a.utc_unix_ns, 1_793_523_600_000_000_000);
        assert_eq!(a.mono_ns, 5_000);
        assert_eq!(b.utc_unix_ns - a.utc_unix_ns, 1_000_000_000);
        assert_eq!(b.mono_ns - a.mono_ns, 1_000_000_000);
        assert_eq!(a.boot_id, BootId::Known(FIXED_BOOT_ID.to_owned()));
        assert_eq!(a.boot_id, b.boot_id);
        assert_eq!(c.now_micros(), 1_793_523_602_000_000);
    }

    #[test]
    fn now_micros_rounds_down_before_1970_too() {
        let c = FixedClock::at(-1_500, 0);
        assert_eq!(c.now_micros(), -2);
    }
}
