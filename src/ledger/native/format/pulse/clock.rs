//! Reading the clocks a pulse records.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where Linux publishes the id of the current boot.
pub const BOOT_ID_PATH: &str = "/proc/sys/kernel/random/boot_id";

/// The id of the boot the monotonic clock counts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootId {
    /// The kernel's boot id (a UUID, lower case).
    Known(String),
    /// It could not be read; the text says why.
    Unavailable(String),
}

impl BootId {
    /// Read the boot id from [`BOOT_ID_PATH`].
    pub fn read() -> BootId {
        BootId::read_from(Path::new(BOOT_ID_PATH))
    }

    /// Read a boot id from `path` (a parameter for tests).
    pub fn read_from(path: &Path) -> BootId {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let id = text.trim();
                if is_uuid(id) {
                    BootId::Known(id.to_ascii_lowercase())
                } else {
                    BootId::Unavailable(format!(
                        "{}: not a UUID: {:?}",
                        path.display(),
                        id.chars().take(40).collect::<String>()
                    ))
                }
            }
            Err(e) => BootId::Unavailable(format!("{}: {e}", path.display())),
        }
    }
}

/// One reading of the clocks: everything a pulse body is derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockReading {
    /// The system (UTC) clock, nanoseconds since the Unix epoch.
    pub utc_unix_ns: i64,
    /// `CLOCK_MONOTONIC`, nanoseconds (from boot on Linux).
    pub mono_ns: u64,
    /// The boot the monotonic clock belongs to.
    pub boot_id: BootId,
}

impl ClockReading {
    /// Read the clocks now. The two clocks cannot be read atomically: the
    /// monotonic clock is read first, then the system clock, nanoseconds
    /// apart.
    pub fn now() -> ClockReading {
        let mono_ns = monotonic_ns();
        let utc_unix_ns = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_nanos()).map_or(i64::MIN, |n| -n),
        };
        ClockReading {
            utc_unix_ns,
            mono_ns,
            boot_id: BootId::read(),
        }
    }
}

/// `CLOCK_MONOTONIC` in nanoseconds (the clock Python's `time.monotonic_ns`
/// reads on Linux).
pub fn monotonic_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(t.tv_nsec).unwrap_or(0);
    secs.saturating_mul(1_000_000_000).saturating_add(nanos)
}

/// `8-4-4-4-12` hex digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_id_is_read_or_explained() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = dir.path().join("good");
        std::fs::write(&good, "0F4E1D2C-aaaa-bbbb-cccc-0123456789ab\n").expect("write");
        assert_eq!(
            BootId::read_from(&good),
            BootId::Known("0f4e1d2c-aaaa-bbbb-cccc-0123456789ab".into())
        );
        let junk = dir.path().join("junk");
        std::fs::write(&junk, "not-a-uuid").expect("write");
        assert!(
            matches!(BootId::read_from(&junk), BootId::Unavailable(why) if why.contains("not a UUID"))
        );
        let missing = dir.path().join("missing");
        assert!(
            matches!(BootId::read_from(&missing), BootId::Unavailable(why) if why.contains("missing"))
        );
    }

    #[test]
    fn the_real_clocks_read() {
        let a = ClockReading::now();
        let b = ClockReading::now();
        assert!(b.mono_ns >= a.mono_ns, "CLOCK_MONOTONIC never goes back");
        assert!(a.mono_ns > 0);
        // 2020-01-01 or later: the machine's clock is set.
        assert!(a.utc_unix_ns > 1_577_836_800 * 1_000_000_000);
        if Path::new(BOOT_ID_PATH).exists() {
            assert!(matches!(a.boot_id, BootId::Known(_)));
            assert_eq!(a.boot_id, b.boot_id);
        } else {
            println!("no {BOOT_ID_PATH} here: boot id fallback only");
        }
    }
}
