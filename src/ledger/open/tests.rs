//! The one format decision, as the layers above see it: the facts say the
//! same thing as the format for every file kind and layout, and a pulse's
//! time is converted by the rules of the ledger's own format.

use super::{Format, Ledger};
use crate::ledger::discover::{Discovery, FileKind, Layout, LedgerFile};
use crate::ledger::native::format::meta::METADATA_FILE;
use crate::ledger::native::format::pulse::{BootId, ClockReading};
use crate::ledger::write_error::{PulseTimeError, Refusing, WriteError};

fn reading(utc_unix_ns: i64, mono_ns: u64) -> ClockReading {
    ClockReading {
        utc_unix_ns,
        mono_ns,
        boot_id: BootId::Known("00000000-0000-4000-8000-000000000001".into()),
    }
}

/// A legacy folder and a native one (a metadata file is what makes it
/// native, for the format decision).
fn ledgers() -> (tempfile::TempDir, Ledger, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let native = dir.path().join("native");
    std::fs::create_dir(&native).unwrap();
    std::fs::write(native.join(METADATA_FILE), "{}").unwrap();
    let legacy = Ledger::at(dir.path());
    let native = Ledger::at(&native);
    (dir, legacy, native)
}

#[test]
fn each_fact_is_the_format_said_in_its_own_terms() {
    let (_dir, legacy, native) = ledgers();
    assert_eq!(
        (legacy.format(), native.format()),
        (Format::Legacy, Format::Native)
    );
    assert!(native.signs_checkpoints() && native.records_repairs());
    assert!(!legacy.signs_checkpoints() && !legacy.records_repairs());
    assert_eq!(
        (legacy.refusing(), native.refusing()),
        (Refusing::Append, Refusing::Write)
    );
    for kind in [
        FileKind::SpiceChain,
        FileKind::GlyphChain,
        FileKind::SpiceDescriptorsV1,
        FileKind::NativeDescriptors,
        FileKind::NativePulses,
        FileKind::NativeEvents,
    ] {
        let native = kind.format() == Format::Native;
        assert_eq!(kind.framed(), native, "{kind:?}");
        assert_eq!(kind.runs_found_by_verification(), !native, "{kind:?}");
        let expected = match kind {
            _ if native => "iss-native-v1",
            FileKind::SpiceDescriptorsV1 => "iss-legacy-v1",
            _ => "iss-legacy-v2",
        };
        assert_eq!(kind.format_name(), expected, "{kind:?}");
    }
}

#[test]
fn a_reader_is_offered_a_native_ledger_s_three_chains_or_the_legacy_two() {
    let found = |layout, kinds: &[FileKind]| Discovery {
        root: "/l".into(),
        layout,
        found: kinds
            .iter()
            .map(|&kind| LedgerFile {
                kind,
                path: format!("/l/{}", kind.name()).into(),
            })
            .collect(),
        missing: Vec::new(),
    };
    let native = found(Layout::Native, &[FileKind::NativeDescriptors]);
    assert!(native.framed());
    assert_eq!(
        native.chain_kinds(),
        [
            FileKind::NativeDescriptors,
            FileKind::NativePulses,
            FileKind::NativeEvents
        ]
    );
    let legacy = found(Layout::FlatDirectory, &[FileKind::SpiceChain]);
    assert!(!legacy.framed());
    assert_eq!(
        legacy.chain_kinds(),
        [FileKind::SpiceChain, FileKind::GlyphChain]
    );
    // A native chain file found beside the legacy ones is offered after them.
    let beside = found(
        Layout::FlatDirectory,
        &[FileKind::SpiceChain, FileKind::NativePulses],
    );
    assert_eq!(
        beside.chain_kinds(),
        [
            FileKind::SpiceChain,
            FileKind::GlyphChain,
            FileKind::NativePulses
        ]
    );
}

#[test]
fn a_pulse_time_follows_the_rules_of_the_ledger_s_format() {
    let (_dir, legacy, native) = ledgers();
    // A legacy pulse takes a signed monotonic count; a native one refuses
    // a negative one before anything is opened.
    assert!(legacy.pulse_time(reading(0, 5), None, Some(-1)).is_ok());
    assert!(matches!(
        native.pulse_time(reading(0, 5), None, Some(-1)),
        Err(WriteError::PulseTime(PulseTimeError::NegativeMonotonic(_)))
    ));
    // A legacy pulse is microseconds since 1970.
    let before = legacy.pulse_time(reading(-1_000, 5), None, None);
    assert!(matches!(
        before,
        Err(WriteError::PulseTime(PulseTimeError::BeforeEpoch))
    ));
    assert_eq!(
        before.unwrap_err().to_string(),
        "the system clock is before 1970"
    );
    assert!(legacy.pulse_time(reading(-1_000, 5), Some(7), None).is_ok());
    let far = legacy.pulse_time(reading(0, u64::MAX), None, None);
    assert!(matches!(
        far,
        Err(WriteError::PulseTime(PulseTimeError::MonotonicRange(_)))
    ));
    // A time converted for one format is refused by the other's writer,
    // before anything is written.
    let for_native = native.pulse_time(reading(0, 5), None, None).unwrap();
    let mut writer = legacy.pulse_writer().unwrap();
    assert!(matches!(
        writer.append(&for_native, None),
        Err(WriteError::PulseTime(PulseTimeError::OtherLedger))
    ));
}
