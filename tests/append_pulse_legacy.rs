//! Invariant: `iss append pulse` writes onto a legacy time chain only when
//! it verifies, and what it writes follows the legacy time keeper's formulas
//! byte for byte (checked here independently, and by Python itself when a
//! `python3` is on the machine), and verifies with our verifier.

mod common;

use assert_cmd::Command;
use common::{assert_pristine, edit_lines, field, generated_ledger, read_lines};
use iss_workstation::ledger::hash::{hex_str, sha256_hex};
use std::fs;
use std::path::Path;

const PULSES: &str = "logs/forensic_logs/glyph_chain.jsonl";

/// `iss`, with a fixed clock (never the machine's) for the commands that
/// record the time.
fn iss() -> Command {
    common::iss_cmd()
}

/// The number token of `key` in a legacy pulse line, as written.
fn token<'a>(line: &'a str, key: &str) -> &'a str {
    let start = line.find(&format!("\"{key}\": ")).expect(key) + key.len() + 4;
    let rest = &line[start..];
    &rest[..rest.find([',', '}']).expect("token end")]
}

/// Python's `repr(float)` for the values pulses hold (no exponent range).
fn py_repr(x: f64) -> String {
    let s = format!("{x}");
    if s.contains('.') { s } else { s + ".0" }
}

fn h(parts: &[&str]) -> String {
    let bytes: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
    hex_str(&sha256_hex(&bytes)).to_owned()
}

/// Every pulse against the three legacy formulas and the float fields,
/// recomputed from the raw tokens, carrying `last` from the genesis value.
fn check_legacy_formulas(lines: &[String]) {
    let mut last = h(&["CALEON_PRIME_GENESIS_0"])[..32].to_owned();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let (tai, et, utc) = (
            token(line, "tai_ns"),
            token(line, "et_s"),
            token(line, "utc_unix"),
        );
        let (iso, node) = (field(line, "utc_iso"), field(line, "source_node"));
        let pulse_id = &h(&[tai, ":", &iso, ":", et, ":", &node])[..32];
        assert_eq!(field(line, "pulse_id"), pulse_id, "pulse_id, line {n}");
        let glyph = h(&[pulse_id, ":", &last, ":", utc]);
        assert_eq!(field(line, "glyph_hash"), glyph, "glyph_hash, line {n}");
        let chain = &h(&[&glyph, ":", &last, ":", &node])[..32];
        assert_eq!(field(line, "chain_hash"), chain, "chain_hash, line {n}");
        let u: f64 = utc.parse().unwrap();
        assert_eq!(py_repr(u), utc, "utc_unix written as repr, line {n}");
        let et_expected = (u - 946_728_000.0) + 32.184 + 37.0;
        assert_eq!(et, py_repr(et_expected), "et_s, line {n}");
        let days = (u - 946_728_000.0) / 86_400.0;
        assert_eq!(
            token(line, "epoch_days"),
            py_repr(days),
            "epoch_days, line {n}"
        );
        assert_eq!(
            token(line, "julian_date"),
            py_repr(2_451_545.0 + days),
            "julian_date, line {n}"
        );
        glyph[..32].clone_into(&mut last);
    }
}

/// What Python's own `json` and `str(float)` say about the chain: each line
/// is `json.dumps` of its parsed object, and the three hashes hold. Skipped
/// (with the reason printed) when there is no `python3`.
fn check_with_python(chain: &Path) {
    const SCRIPT: &str = r#"
import hashlib, json, sys
def h(s): return hashlib.sha256(s.encode()).hexdigest()
last = h("CALEON_PRIME_GENESIS_0")[:32]
for n, raw in enumerate(open(sys.argv[1], encoding="ascii").read().splitlines(), 1):
    p = json.loads(raw)
    assert json.dumps(p) == raw, f"line {n}: not json.dumps output"
    pid = h(f"{p['tai_ns']}:{p['utc_iso']}:{p['et_s']}:{p['source_node']}")[:32]
    assert pid == p["pulse_id"], f"line {n}: pulse_id"
    g = h(f"{pid}:{last}:{p['utc_unix']}")
    assert g == p["glyph_hash"], f"line {n}: glyph_hash"
    assert h(f"{g}:{last}:{p['source_node']}")[:32] == p["chain_hash"], f"line {n}: chain_hash"
    assert p["et_s"] == (p["utc_unix"] - 946728000.0) + 32.184 + 37, f"line {n}: et_s"
    last = g[:32]
print("python verified", n)
"#;
    let Ok(out) = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(chain)
        .output()
    else {
        println!("skipped the Python cross-check: no python3 on this machine");
        return;
    };
    assert!(
        out.status.success(),
        "Python refused the chain: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--at` and `--mono-ns` for a pulse `step_us` after the chain's last one,
/// both clocks advancing together (as one run of the time keeper would).
fn next_clock(root: &Path, step_us: i64) -> (String, String) {
    let lines = read_lines(&root.join(PULSES));
    let last = lines.last().unwrap();
    let micros = (token(last, "utc_unix").parse::<f64>().unwrap() * 1e6).round() as i64 + step_us;
    let mono: i64 = token(last, "tai_ns").parse::<i64>().unwrap() + step_us * 1000;
    let at = format!(
        "{}.{:06}Z",
        chrono_free_iso(micros.div_euclid(1_000_000)),
        micros.rem_euclid(1_000_000)
    );
    (at, mono.to_string())
}

/// `YYYY-MM-DDTHH:MM:SS` of Unix seconds (days to civil by the library's `time::civil`).
fn chrono_free_iso(secs: i64) -> String {
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = iss_workstation::time::civil::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

fn append_at(root: &Path, at: &str, mono: &str) -> assert_cmd::assert::Assert {
    iss()
        .args(["append", "pulse", "--json", "--at", at, "--mono-ns", mono])
        .arg(root)
        .assert()
}

#[test]
fn appended_pulses_follow_the_legacy_formulas_and_verify() {
    let dir = generated_ledger(41);
    let chain = dir.path().join(PULSES);
    let before = read_lines(&chain);
    for k in 0..3 {
        let (at, mono) = next_clock(dir.path(), 2_250);
        let out = append_at(dir.path(), &at, &mono)
            .code(0)
            .get_output()
            .stdout
            .clone();
        let ack: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(ack["line"], before.len() + 1 + k);
        assert_eq!(
            ack["warnings"],
            serde_json::json!([]),
            "a consistent clock raises nothing"
        );
        assert_eq!(
            ack["source_node"], "ISS_MODULE_V2",
            "continues the last pulse's node"
        );
    }
    let after = read_lines(&chain);
    assert_eq!(
        after[..before.len()],
        before[..],
        "earlier pulses untouched"
    );
    let new = after.last().unwrap();
    assert!(
        new.starts_with(r#"{"tai_ns": "#),
        "default separators: {new}"
    );
    check_legacy_formulas(&after);
    check_with_python(&chain);
    iss().arg("verify").arg(dir.path()).assert().code(0);
    assert_pristine(dir.path());
}

#[test]
fn a_tampered_time_chain_is_refused_with_its_findings_and_left_untouched() {
    let dir = generated_ledger(42);
    let chain = dir.path().join(PULSES);
    // Pulse 10's utc_iso is under its pulse_id: an edit breaks the hash.
    edit_lines(&chain, |l| l[9] = l[9].replacen("T09:", "T08:", 1));
    let before = fs::read(&chain).unwrap();
    let (at, mono) = next_clock(dir.path(), 2_250);
    let out = append_at(dir.path(), &at, &mono)
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not verify"), "{stderr}");
    assert!(stderr.contains("glyph_chain:10 HASH_MISMATCH"), "{stderr}");
    assert_eq!(fs::read(&chain).unwrap(), before, "nothing written");
}

#[test]
fn a_torn_tail_and_a_replayed_clock_are_refused() {
    let dir = generated_ledger(43);
    let chain = dir.path().join(PULSES);
    let (at, mono) = next_clock(dir.path(), 2_250);
    append_at(dir.path(), &at, &mono).code(0);
    // The same clock reading again: the same pulse_id, a replay.
    let before = fs::read(&chain).unwrap();
    let out = append_at(dir.path(), &at, &mono)
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DUPLICATE_PULSE"), "{stderr}");
    assert_eq!(fs::read(&chain).unwrap(), before);

    let (at, mono) = next_clock(dir.path(), 4_000);
    let mut torn = before.clone();
    torn.extend_from_slice(br#"{"tai_ns": 1"#);
    fs::write(&chain, &torn).unwrap();
    let out = append_at(dir.path(), &at, &mono)
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("torn") && stderr.contains("iss repair"),
        "{stderr}"
    );
    assert_eq!(fs::read(&chain).unwrap(), torn);
}

/// This machine's clocks are what this test is about: whatever they read
/// (any date, any uptime, CI runs it again with a low uptime), the pulse
/// verifies, with warnings at most.
#[test]
fn the_real_clocks_append_a_pulse_that_verifies() {
    let dir = generated_ledger(44);
    // The chain file itself is a valid PATH too.
    let chain = dir.path().join(PULSES);
    let out = common::iss_cmd()
        .env_remove(common::CLOCK_ENV)
        .args(["append", "pulse", "--json", "--source-node", "iss-test"])
        .arg(&chain)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let ack: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(ack["source_node"], "iss-test");
    // The sample's clocks are from another time and boot: the verifier
    // records that as warnings on the new pulse, never as a violation.
    for w in ack["warnings"].as_array().unwrap() {
        assert_eq!(w["severity"], "warning", "{w}");
    }
    // The next pulse continues the last pulse's node by default.
    let (at, mono) = next_clock(dir.path(), 2_250);
    let out = append_at(dir.path(), &at, &mono)
        .code(0)
        .get_output()
        .stdout
        .clone();
    let ack: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(ack["source_node"], "iss-test");
    check_legacy_formulas(&read_lines(&chain));
    iss().arg("verify").arg(dir.path()).assert().code(0);
}

#[test]
fn the_first_pulse_of_an_empty_chain_starts_from_genesis() {
    let dir = generated_ledger(46);
    let chain = dir.path().join(PULSES);
    fs::write(&chain, b"").unwrap();
    let out = append_at(dir.path(), "2026-11-27T10:00:00.250000Z", "5000000000")
        .code(0)
        .get_output()
        .stdout
        .clone();
    let ack: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(ack["line"], 1);
    assert_eq!(
        ack["source_node"], "ISS_MODULE_V2",
        "the service's default node"
    );
    let lines = read_lines(&chain);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains(r#""utc_iso": "2026-11-27T10:00:00.250000+00:00""#));
    assert!(lines[0].contains(r#""tai_ns": 5000000000, "#));
    check_legacy_formulas(&lines);
    check_with_python(&chain);
}

#[test]
fn a_bad_clock_option_is_a_usage_error() {
    let dir = generated_ledger(45);
    let out = iss()
        .args(["append", "pulse", "--at", "yesterday"])
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
}

/// `ISS_FIXED_CLOCK` replaces the machine's clocks for every command that
/// records the time (tests and demos): a legacy pulse, a native pulse (boot
/// id included), a descriptor's `assessed_at`; `--at` and `--mono-ns`
/// still win over it.
#[test]
fn a_fixed_clock_in_the_environment_is_the_time_written() {
    let dir = generated_ledger(47);
    let clock = "2026-12-03T04:05:06.789000Z,mono_ns=777000000000";
    let run = |args: &[&str], stdin: &str| -> serde_json::Value {
        let out = common::iss_cmd()
            .env(common::CLOCK_ENV, clock)
            .args(args)
            .arg(dir.path())
            .write_stdin(stdin)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    };
    let ack = run(&["append", "pulse", "--json"], "");
    assert_eq!(ack["utc_iso"], "2026-12-03T04:05:06.789000+00:00");
    assert_eq!(ack["tai_ns"], 777_000_000_000_u64);
    let ack = run(
        &["append", "pulse", "--json", "--mono-ns", "778000000000"],
        "",
    );
    assert_eq!(ack["utc_iso"], "2026-12-03T04:05:06.789000+00:00");
    assert_eq!(ack["tai_ns"], 778_000_000_000_u64);
    run(
        &["append", "descriptor", "--json"],
        r#"{"process_name":"Clocked","process_version":"1","capability_level":2,"process_outcome":"compliant","compliance_score":0.5,"assessed_by":"t","assessment_method":"m"}"#,
    );
    let chain = read_lines(&dir.path().join("data/spice_layer/spice_chain.jsonl"));
    assert_eq!(
        field(chain.last().unwrap(), "assessed_at"),
        "2026-12-03T04:05:06.789000+00:00"
    );

    let native = common::new_native("iss.test/fixed-clock", false);
    let out = common::iss_cmd()
        .env(
            common::CLOCK_ENV,
            format!("{clock},boot_id=0f4e1d2c-aaaa-bbbb-cccc-0123456789ab"),
        )
        .args(["append", "pulse", "--json"])
        .arg(&native.dir)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let ack: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(ack["pulse"]["utc"], "2026-12-03T04:05:06.789000000Z");
    assert_eq!(ack["pulse"]["mono_ns"], 777_000_000_000_u64);
    assert_eq!(
        ack["pulse"]["boot_id"],
        "0f4e1d2c-aaaa-bbbb-cccc-0123456789ab"
    );

    // A clock that cannot be read is an error, not the machine's clock.
    let before = fs::read(dir.path().join(PULSES)).unwrap();
    let err = common::iss_cmd()
        .env(common::CLOCK_ENV, "soon")
        .args(["append", "pulse"])
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("ISS_FIXED_CLOCK") && err.contains("RFC 3339"),
        "{err}"
    );
    assert_eq!(fs::read(dir.path().join(PULSES)).unwrap(), before);
}
