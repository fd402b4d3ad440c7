//! Native ledgers end to end: init, append, checkpoint, verify, and each
//! kind of tampering found exactly where it happened.

#[path = "../common/mod.rs"]
mod common;

use common::snapshot;

use common::{Spot, assert_pristine, iss_json, iss_stdout, read_lines, spot, spots, write_lines};
use iss_workstation::ledger::legacy::write::append::NewDescriptor;
use iss_workstation::ledger::native::format::history::HistoryLine;
use iss_workstation::ledger::native::format::meta::Chain;
use iss_workstation::ledger::native::secret::{MacKey, read_signer};
use iss_workstation::ledger::native::write::descriptors::append_descriptors;
use iss_workstation::ledger::native::write::{NativeWriter, WriteError};
use iss_workstation::tlog::note::Signer;
use std::fs;
use std::path::PathBuf;

fn input(n: u64) -> NewDescriptor {
    common::descriptor_input(n, "alice")
}

struct Ledger {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    key: PathBuf,
    mac: Option<PathBuf>,
}

impl Ledger {
    fn signer(&self) -> Signer {
        read_signer(&self.key).unwrap()
    }
    fn mac_key(&self) -> Option<MacKey> {
        self.mac.as_deref().map(|p| MacKey::read(p).unwrap())
    }
    fn writer(&self) -> NativeWriter {
        NativeWriter::open(&self.dir, Some(self.signer()), self.mac_key()).unwrap()
    }
    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// A ledger with 8 descriptors: checkpoints at 0, 3 and 6, two unsigned.
fn ledger(keyed: bool) -> Ledger {
    let common::NewNative { tmp, dir, key, mac } = common::new_native("iss.test/native", keyed);
    let led = Ledger {
        _tmp: tmp,
        dir,
        key,
        mac,
    };
    let mut w = led.writer();
    let t0 = 1_790_000_000_000_000;
    append_descriptors(&mut w, (0..3).map(input).collect(), t0, true).unwrap();
    append_descriptors(&mut w, (3..6).map(input).collect(), t0 + 10, true).unwrap();
    append_descriptors(&mut w, (6..8).map(input).collect(), t0 + 20, false).unwrap();
    led
}

fn input_json(n: u64) -> serde_json::Value {
    serde_json::json!({
        "process_name": format!("ENG.{n}"), "process_version": "1.0", "capability_level": 2,
        "process_outcome": "partial", "compliance_score": 0.4, "assessed_by": "bob",
        "assessment_method": "review",
    })
}

fn field(line: &str, name: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    v[name].as_str().unwrap().to_owned()
}

fn body_of(line: &str) -> String {
    let start = line.find("\"body\":").unwrap() + 7;
    let end = line.rfind(",\"hash\"").unwrap();
    line[start..end].to_owned()
}

mod proofs;
mod tampering;
mod writing;
