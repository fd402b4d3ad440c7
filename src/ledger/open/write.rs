//! The writes of a [`Ledger`], for both formats behind one call each: a
//! pulse, descriptors, a descriptor's preview. Each call picks the format's
//! write module here (the callers never look at the format) and returns the
//! one [`WriteError`]; what comes back is the format's own acknowledgement,
//! typed, because the two formats acknowledge different things (a legacy
//! `glyph_hash` and manifest line, a native record's seq and checkpoint).
//!
//! Nothing is written here: `legacy::write` and `native::write` do it,
//! through `ledger::append`.

use super::{Format, Ledger};
use crate::ledger::legacy::write::append::{
    Appended, Preview, Progress, append_descriptors, preview_descriptor as legacy_preview,
};
use crate::ledger::legacy::write::pulse::{
    PulseAcknowledged, PulseClock, append_pulse as legacy_pulse,
};
use crate::ledger::model::new_descriptor::NewDescriptor;
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::format::pulse::ClockReading;
use crate::ledger::native::write::descriptors::{
    DescriptorAck, NativePreview, append_descriptor_records, preview_descriptor as native_preview,
};
use crate::ledger::native::write::pulse::{
    PulseAck as NativePulseAck, append_pulse as native_pulse,
};
use crate::ledger::native::write::{CheckpointStatus, NativeWriter};
use crate::ledger::write_error::{PulseTimeError, WriteError};
use crate::time::leap_seconds::LeapSecondList;

/// The time of a pulse, converted for the ledger's format by
/// [`Ledger::pulse_time`] before anything is opened.
#[derive(Debug, Clone)]
pub struct PulseTime(Time);

#[derive(Debug, Clone)]
enum Time {
    Legacy(PulseClock),
    Native(ClockReading),
}

/// A pulse writer, opened by [`Ledger::pulse_writer`]: for a native ledger
/// the leap-second list is read and the ledger verified under its lock
/// here; a legacy append verifies when it writes.
#[derive(Debug)]
pub struct PulseWriter(Writer);

#[derive(Debug)]
enum Writer {
    Legacy(std::path::PathBuf),
    Native(Box<NativeWriter>, LeapSecondList),
}

/// A durable pulse, as its format acknowledges it.
#[derive(Debug)]
pub enum PulseAck {
    /// A legacy pulse line of `glyph_chain`.
    Legacy(PulseAcknowledged),
    /// A native pulse record, with its checkpoint (or why there is none).
    Native(Box<NativePulseAck>),
}

/// A durable step of a descriptor append, reported as soon as it is
/// durable (before a checkpoint or a manifest line that may still fail).
#[derive(Debug)]
pub enum Durable<'a> {
    /// A legacy append's step (records, or an earlier append completed).
    Legacy(Progress<'a>),
    /// A native append's records.
    Native(&'a [DescriptorAck]),
}

/// A finished descriptor append: what followed the durable records.
#[derive(Debug)]
pub enum DescriptorsDone {
    /// A legacy append: the records and their manifest lines.
    Legacy(Appended),
    /// A native append: the checkpoint after the records.
    Native(CheckpointStatus),
}

/// The exact record a descriptor would be written as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DescriptorPreview {
    /// A legacy ledger: the byte-compatible line and its manifest witness.
    Legacy(Preview),
    /// A native ledger: the record line.
    Native(NativePreview),
}

impl Ledger {
    /// The time of a pulse from one clock `reading`, with `utc_micros`
    /// (e.g. `--at`) and `mono_ns` (`--mono-ns`) replacing its parts. A
    /// legacy pulse takes microseconds since 1970 and a signed monotonic
    /// count; a native one a clock reading (its monotonic count is never
    /// negative).
    pub fn pulse_time(
        &self,
        mut reading: ClockReading,
        utc_micros: Option<i64>,
        mono_ns: Option<i64>,
    ) -> Result<PulseTime, WriteError> {
        let time = match self.format {
            Format::Legacy => Time::Legacy(PulseClock {
                monotonic_ns: match mono_ns {
                    Some(n) => n,
                    None => i64::try_from(reading.mono_ns)
                        .map_err(|e| WriteError::PulseTime(PulseTimeError::MonotonicRange(e)))?,
                },
                utc_micros: if let Some(u) = utc_micros {
                    u
                } else {
                    let micros = reading.utc_unix_ns.div_euclid(1000);
                    if micros < 0 {
                        return Err(WriteError::PulseTime(PulseTimeError::BeforeEpoch));
                    }
                    micros
                },
            }),
            Format::Native => {
                if let Some(u) = utc_micros {
                    // Microseconds, as for legacy pulses: exact through the
                    // parser's f64.
                    reading.utc_unix_ns = u.saturating_mul(1000);
                }
                if let Some(m) = mono_ns {
                    reading.mono_ns = u64::try_from(m)
                        .map_err(|e| WriteError::PulseTime(PulseTimeError::NegativeMonotonic(e)))?;
                }
                Time::Native(reading)
            }
        };
        Ok(PulseTime(time))
    }

    /// Open the ledger for a pulse: for a native ledger read the
    /// leap-second list and verify the ledger under its lock (a refusal
    /// here wrote nothing and tried nothing).
    pub fn pulse_writer(&self) -> Result<PulseWriter, WriteError> {
        Ok(PulseWriter(match self.format {
            Format::Legacy => Writer::Legacy(self.path.clone()),
            Format::Native => {
                let leaps = LeapSecondList::best_available().map_err(WriteError::Leaps)?;
                Writer::Native(Box::new(self.native_writer()?), leaps)
            }
        }))
    }

    /// Append `inputs` as descriptor records at `now_micros`, reporting
    /// each durable step to `on_durable` as soon as it is durable, then
    /// (native) sign the checkpoint or (legacy) write the manifest lines.
    pub fn append_descriptors(
        &self,
        inputs: Vec<NewDescriptor>,
        now_micros: i64,
        on_durable: &mut dyn FnMut(Durable<'_>),
    ) -> Result<DescriptorsDone, WriteError> {
        match self.format {
            Format::Legacy => append_descriptors(&self.path, inputs, now_micros, &mut |step| {
                on_durable(Durable::Legacy(step));
            })
            .map(DescriptorsDone::Legacy),
            Format::Native => {
                let mut w = self.native_writer()?;
                let acks = append_descriptor_records(&mut w, inputs, now_micros)?;
                // Acknowledged as soon as they are durable, before the
                // checkpoint.
                on_durable(Durable::Native(&acks));
                Ok(DescriptorsDone::Native(
                    w.checkpoint_after_append(Chain::Descriptors),
                ))
            }
        }
    }

    /// The exact record `input` would be written as at `now_micros`, built
    /// by the append module of the ledger's format (which verifies the
    /// ledger first). Nothing is written.
    pub fn preview_descriptor(
        &self,
        input: NewDescriptor,
        now_micros: i64,
    ) -> Result<DescriptorPreview, WriteError> {
        match self.format {
            Format::Legacy => {
                legacy_preview(&self.path, input, now_micros).map(DescriptorPreview::Legacy)
            }
            Format::Native => native_preview(&self.native_writer()?, input, now_micros)
                .map(DescriptorPreview::Native),
        }
    }
}

impl PulseWriter {
    /// Append one pulse at `time` (legacy pulses name their `source_node`;
    /// native ones carry the clock's boot id instead).
    pub fn append(
        &mut self,
        time: &PulseTime,
        source_node: Option<&str>,
    ) -> Result<PulseAck, WriteError> {
        match (&mut self.0, &time.0) {
            (Writer::Legacy(path), Time::Legacy(clock)) => {
                legacy_pulse(path, *clock, source_node).map(PulseAck::Legacy)
            }
            (Writer::Native(w, leaps), Time::Native(reading)) => {
                native_pulse(w, reading, leaps).map(|a| PulseAck::Native(Box::new(a)))
            }
            // Both come from the same `Ledger`, whose format is fixed.
            _ => Err(WriteError::PulseTime(PulseTimeError::OtherLedger)),
        }
    }
}
