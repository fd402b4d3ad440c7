use super::*;
use std::process::Command;

fn read_all(summary: &SampleSummary) -> Vec<Vec<u8>> {
    summary
        .paths
        .all()
        .iter()
        .map(|p| fs::read(p).expect("read"))
        .collect()
}

/// Number of lines, checking the file ends with a newline; streams, so
/// it also works on the multi-gigabyte timing output.
fn line_count(path: &Path) -> u64 {
    let reader = io::BufReader::new(File::open(path).expect("open"));
    let mut count = 0;
    for line in io::BufRead::split(reader, b'\n') {
        line.expect("read");
        count += 1;
    }
    let bytes = fs::metadata(path).expect("metadata").len();
    if bytes > 0 {
        let mut f = File::open(path).expect("open");
        io::Seek::seek(&mut f, io::SeekFrom::End(-1)).expect("seek");
        let mut last = [0u8];
        io::Read::read_exact(&mut f, &mut last).expect("read");
        assert_eq!(&last, b"\n", "{} ends without a newline", path.display());
    }
    count
}

#[test]
fn same_seed_same_bytes() {
    let spec = SampleSpec::default();
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let sa = write_sample_ledger(a.path(), &spec).expect("write a");
    let sb = write_sample_ledger(b.path(), &spec).expect("write b");
    assert_eq!(read_all(&sa), read_all(&sb));

    let c = tempfile::tempdir().expect("tempdir");
    let other = SampleSpec {
        seed: spec.seed + 1,
        ..spec
    };
    let sc = write_sample_ledger(c.path(), &other).expect("write c");
    assert_ne!(read_all(&sa)[0], read_all(&sc)[0]);
}

#[test]
fn counts_match_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = SampleSpec {
        descriptors: 10,
        restarts: 3,
        glyph_count: 5,
        ..SampleSpec::default()
    };
    let s = write_sample_ledger(dir.path(), &spec).expect("write");
    assert_eq!(
        (
            s.descriptors,
            s.manifest_lines,
            s.constitutional_lines,
            s.pulses,
            s.audit_lines
        ),
        (10, 13, 3, 50, 3)
    );
    let p = &s.paths;
    assert_eq!(line_count(&p.spice_chain), s.descriptors);
    assert_eq!(line_count(&p.integrity_manifest), s.manifest_lines);
    assert_eq!(line_count(&p.constitutional_log), s.constitutional_lines);
    assert_eq!(line_count(&p.glyph_chain), s.pulses);
    assert_eq!(line_count(&p.forensic_audit), s.audit_lines);

    let audit = fs::read_to_string(&p.forensic_audit).expect("read");
    assert!(audit.starts_with("{\"timestamp\": \"2026-11-01T09:00:00+00:00\""));
    let chain = fs::read_to_string(&p.spice_chain).expect("read");
    assert!(chain.contains(r"Pr\u00fcfung ausstehend \u2014 Nachweis fehlt"));
    assert!(chain.is_ascii());
    for outcome in OUTCOMES {
        assert!(chain.contains(&format!("\"process_outcome\":\"{outcome}\"")));
    }
}

#[test]
fn degenerate_specs_do_not_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = SampleSpec {
        descriptors: 0,
        restarts: 0,
        glyph_count: 0,
        ..SampleSpec::default()
    };
    let s = write_sample_ledger(dir.path(), &spec).expect("write");
    assert_eq!((s.descriptors, s.pulses, s.audit_lines), (0, 0, 1));
    assert_eq!(s.last_descriptor_hash, GENESIS_PREV_HASH);
    assert_eq!(s.chain_hash, "");

    let spec = SampleSpec {
        descriptors: 2,
        restarts: 5,
        glyph_count: 0,
        ..SampleSpec::default()
    };
    let s = write_sample_ledger(dir.path(), &spec).expect("write");
    assert_eq!((s.descriptors, s.pulses, s.manifest_lines), (2, 2, 7));

    // Absurd clocks saturate instead of overflowing.
    for start_utc_micros in [i64::MIN, i64::MAX - 10] {
        let spec = SampleSpec {
            descriptors: 2,
            start_utc_micros,
            ..SampleSpec::default()
        };
        let s = write_sample_ledger(dir.path(), &spec).expect("write");
        assert_eq!(s.pulses, 8);
    }
}

/// Recomputes every hash formula of `LEGACY_FORMAT.md` in Python, from
/// the raw float tokens, and checks that Python's own `json.dumps`
/// reproduces every line byte for byte.
const VERIFY_PY: &str = r#"
import hashlib, json, sys
from datetime import datetime, timezone

root = sys.argv[1]
h = lambda s: hashlib.sha256(s.encode()).hexdigest()
h32 = lambda s: h(s)[:32]
COMPACT = dict(separators=(",", ":"))

def lines(rel):
    with open(f"{root}/{rel}", encoding="ascii") as f:
        raw = f.read()
    assert raw.endswith("\n"), rel
    return raw[:-1].split("\n") if raw else []

def same_as_python(line, style):
    assert json.dumps(json.loads(line), **style) == line, line

chain = lines("data/spice_layer/spice_chain.jsonl")
prev = "0" * 64
hashes = []
for line in chain:
    same_as_python(line, COMPACT)
    d = json.loads(line)
    assert d["prev_descriptor_hash"] == prev
    want = h(f'{d["descriptor_id"]}:{d["process_name"]}:{d["assessed_at"]}:{prev}')
    assert d["descriptor_hash"] == want, d
    unix = datetime.fromisoformat(d["assessed_at"]).timestamp()
    want_id = h(f'{d["process_name"]}:{d["process_version"]}:{unix!r}')[:16]
    assert d["descriptor_id"] == want_id, d
    hashes.append(want)
    prev = want

bindings = []
creates = []
running, fed = hashlib.sha256(), 0
for line in lines("data/spice_layer/integrity_manifest.jsonl"):
    same_as_python(line, COMPACT)
    m = json.loads(line)
    n = m["descriptor_count"]
    assert n <= len(hashes)
    if n < fed:  # counts never go back in a genuine file; recompute anyway
        running, fed = hashlib.sha256(), 0
    while fed < n:  # one running hash keeps this linear in the file size
        running.update(hashes[fed].encode())
        fed += 1
    assert m["chain_hash"] == (running.hexdigest() if n else ""), m
    if m["operation"] == "CREATE_DESCRIPTOR":
        assert json.loads(chain[n - 1])["descriptor_id"] == m["descriptor_id"]
        creates.append(n)
    else:
        assert m["operation"] == "CONSTITUTIONAL_BINDING" and "descriptor_id" not in m
        bindings.append(m["timestamp"])

assert creates == list(range(1, len(chain) + 1))
consts = [json.loads(l) for l in lines("data/spice_layer/constitutional_log.jsonl")]
for line in lines("data/spice_layer/constitutional_log.jsonl"):
    same_as_python(line, COMPACT)
assert [c["timestamp"] for c in consts] == bindings

audit = lines("logs/forensic_logs/forensic_audit.log")
for line in audit:
    same_as_python(line, {})
assert len(audit) == len(bindings)

last = h32("CALEON_PRIME_GENESIS_0")
glyphs = []
prev_tai = None
for line in lines("logs/forensic_logs/glyph_chain.jsonl"):
    same_as_python(line, {})
    p = json.loads(line, parse_float=str)  # raw float tokens
    ET, UTC = p["et_s"], p["utc_unix"]
    assert p["pulse_id"] == h32(f'{p["tai_ns"]}:{p["utc_iso"]}:{ET}:{p["source_node"]}')
    assert p["glyph_hash"] == h(f'{p["pulse_id"]}:{last}:{UTC}')
    assert p["chain_hash"] == h32(f'{p["glyph_hash"]}:{last}:{p["source_node"]}')
    u = float(UTC)
    assert ET == repr((u - 946728000.0) + 32.184 + 37)
    assert p["epoch_days"] == repr((u - 946728000.0) / 86400)
    assert p["julian_date"] == repr(2451545.0 + (u - 946728000.0) / 86400)
    assert p["utc_iso"] == datetime.fromtimestamp(u, timezone.utc).isoformat()
    assert prev_tai is None or p["tai_ns"] > prev_tai
    prev_tai = p["tai_ns"]
    glyphs.append(p["glyph_hash"])
    last = p["glyph_hash"][:32]

k = 0
for line in chain:
    d = json.loads(line)
    n = d["glyph_count"]
    assert d["glyph_range_start"] == glyphs[k] and d["glyph_range_end"] == glyphs[k + n - 1]
    k += n
assert k == len(glyphs)
print(f"verified {len(chain)} descriptors, {len(glyphs)} pulses")
"#;

#[test]
fn python_recomputes_every_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = SampleSpec {
        descriptors: 120,
        ..SampleSpec::default()
    };
    write_sample_ledger(dir.path(), &spec).expect("write");
    let output = Command::new("python3")
        .args(["-c", VERIFY_PY])
        .arg(dir.path())
        .output();
    let Ok(output) = output else {
        println!("skipped: python3 not found on PATH");
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python verification failed:\n{stderr}"
    );
    assert!(
        stdout.contains("verified 120 descriptors, 480 pulses"),
        "{stdout}"
    );
}
