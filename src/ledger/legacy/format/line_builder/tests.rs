use super::*;
use crate::time::civil::civil_from_days;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Lines of a reference-run file (each with its `"\n"`), or `None` with a
/// printed reason when the fixtures are not on this machine.
fn reference_lines(rel: &str) -> Option<Vec<String>> {
    // shared/ lies beside the repository (also in CI).
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/legacy/reference-run")
        .join(rel);
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("skipped: fixture {} not found", path.display());
        return None;
    };
    Some(text.split_inclusive('\n').map(str::to_string).collect())
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().expect(key).to_string()
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00` into Unix microseconds.
fn micros_from_iso(iso: &str) -> i64 {
    let field = |range: std::ops::Range<usize>| iso[range].parse::<i64>().expect("digits");
    let (y, mo, d) = (field(0..4), field(5..7), field(8..10));
    let (h, mi, s) = (field(11..13), field(14..16), field(17..19));
    let frac = if iso.as_bytes()[19] == b'.' {
        field(20..26)
    } else {
        0
    };
    assert!(iso.ends_with("+00:00"));
    // Inverse of civil_from_days, brute-forced around an estimate: this
    // is test code, clarity over speed.
    let mut days = (y - 1970) * 365 + (y - 1969) / 4;
    while civil_from_days(days) < (y, mo, d) {
        days += 1;
    }
    while civil_from_days(days) > (y, mo, d) {
        days -= 1;
    }
    assert_eq!(civil_from_days(days), (y, mo, d));
    ((days * 86_400 + h * 3600 + mi * 60 + s) * 1_000_000) + frac
}

#[test]
fn hash_helpers() {
    assert_eq!(
        sha256_hex(""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(h32("").len(), 32);
    assert_eq!(GENESIS_PREV_HASH.len(), 64);
    assert!(GENESIS_PREV_HASH.bytes().all(|b| b == b'0'));
}

#[test]
fn iso_formatting_like_python() {
    assert_eq!(iso_from_micros(0), "1970-01-01T00:00:00+00:00");
    assert_eq!(iso_from_micros(1), "1970-01-01T00:00:00.000001+00:00");
    assert_eq!(iso_from_micros(-1), "1969-12-31T23:59:59.999999+00:00");
    assert_eq!(
        iso_from_micros(1_795_729_479_369_992),
        "2026-11-26T21:44:39.369992+00:00"
    );
    assert_eq!(
        iso_from_micros(951_782_400_000_000),
        "2000-02-29T00:00:00+00:00"
    );
    assert_eq!(
        iso_from_micros(253_402_300_799_999_999),
        "9999-12-31T23:59:59.999999+00:00"
    );
    assert_eq!(
        micros_from_iso("2000-02-29T00:00:00+00:00"),
        951_782_400_000_000
    );
}

#[test]
fn builders_accept_any_input() {
    for micros in [i64::MIN, -1, 0, i64::MAX] {
        let pulse = pulse_line(micros, micros, "n\u{0}ö", "");
        assert!(pulse.line.is_ascii() && pulse.line.ends_with('\n'));
    }
    let d = CompleteDescriptor {
        descriptor_id: String::new(),
        process_name: "\"\\\u{7f}😀".to_string(),
        process_version: String::new(),
        capability_level: u8::MAX,
        process_outcome: String::new(),
        compliance_score: f64::NAN,
        apriori_refs: vec![],
        aposteriori_refs: vec![String::new()],
        glyph_range_start: String::new(),
        glyph_range_end: String::new(),
        glyph_count: u32::MAX,
        evidence_required: vec![],
        evidence_provided: vec![],
        assessed_by: String::new(),
        assessed_at: String::new(),
        assessment_method: String::new(),
        active_constraints: vec![],
        advisory_notes: None,
    };
    let built = descriptor_line(&d, "");
    assert!(
        built
            .line
            .contains(r#""process_name":"\"\\\u007f\ud83d\ude00""#)
    );
    assert!(built.line.contains(r#""compliance_score":NaN"#));
}

#[test]
fn manifest_state_matches_full_rehash() {
    let hashes: Vec<String> = (0..5).map(|i| sha256_hex(&i.to_string())).collect();
    let mut state = ManifestState::new();
    assert_eq!(state.chain_hash(), "");
    assert_eq!(
        state.binding_line("T"),
        "{\"timestamp\":\"T\",\"operation\":\"CONSTITUTIONAL_BINDING\",\"chain_hash\":\"\",\"descriptor_count\":0}\n"
    );
    for (i, h) in hashes.iter().enumerate() {
        state.push_descriptor_hash(h);
        assert_eq!(state.chain_hash(), sha256_hex(&hashes[..=i].concat()));
    }
    assert_eq!(state.descriptor_count(), 5);
}

#[test]
fn reference_pulses_rebuild_byte_for_byte() {
    let Some(lines) = reference_lines("logs/forensic_logs/glyph_chain.jsonl") else {
        return;
    };
    assert!(!lines.is_empty());
    let mut last = genesis_last();
    for (i, raw) in lines.iter().enumerate() {
        let v: Value = serde_json::from_str(raw).expect("json");
        let micros = micros_from_iso(v["utc_iso"].as_str().expect("utc_iso"));
        let tai_ns = v["tai_ns"].as_i64().expect("tai_ns");
        let pulse = pulse_line(tai_ns, micros, &text(&v, "source_node"), &last);
        assert_eq!(&pulse.line, raw, "pulse {}", i + 1);
        last = pulse.next_last;
    }
}

#[test]
fn reference_descriptors_and_manifest_rebuild_byte_for_byte() {
    let Some(chain) = reference_lines("data/spice_layer/spice_chain.jsonl") else {
        return;
    };
    let Some(manifest) = reference_lines("data/spice_layer/integrity_manifest.jsonl") else {
        return;
    };
    let mut prev = GENESIS_PREV_HASH.to_string();
    let mut state = ManifestState::new();
    let mut chain_state_at = vec![String::new()];
    for (i, raw) in chain.iter().enumerate() {
        let v: Value = serde_json::from_str(raw).expect("json");
        let d = CompleteDescriptor {
            descriptor_id: text(&v, "descriptor_id"),
            process_name: text(&v, "process_name"),
            process_version: text(&v, "process_version"),
            capability_level: v["capability_level"].as_u64().expect("level") as u8,
            process_outcome: text(&v, "process_outcome"),
            compliance_score: v["compliance_score"].as_f64().expect("score"),
            apriori_refs: strings(&v["apriori_refs"]),
            aposteriori_refs: strings(&v["aposteriori_refs"]),
            glyph_range_start: text(&v, "glyph_range_start"),
            glyph_range_end: text(&v, "glyph_range_end"),
            glyph_count: v["glyph_count"].as_u64().expect("count") as u32,
            evidence_required: strings(&v["evidence_required"]),
            evidence_provided: strings(&v["evidence_provided"]),
            assessed_by: text(&v, "assessed_by"),
            assessed_at: text(&v, "assessed_at"),
            assessment_method: text(&v, "assessment_method"),
            active_constraints: strings(&v["active_constraints"]),
            advisory_notes: v["advisory_notes"].as_str().map(str::to_string),
        };
        let built = descriptor_line(&d, &prev);
        assert_eq!(&built.line, raw, "descriptor {}", i + 1);
        state.push_descriptor_hash(&built.descriptor_hash);
        chain_state_at.push(state.chain_hash());
        prev = built.descriptor_hash;
    }

    // Rebuild each manifest line from the chain state at its count.
    for (i, raw) in manifest.iter().enumerate() {
        let v: Value = serde_json::from_str(raw).expect("json");
        let count = v["descriptor_count"].as_u64().expect("count");
        let chain_hash = &chain_state_at[count as usize];
        let ts = text(&v, "timestamp");
        let built = match v["operation"].as_str() {
            Some("CONSTITUTIONAL_BINDING") => manifest_binding_line(&ts, chain_hash, count),
            Some("CREATE_DESCRIPTOR") => {
                manifest_create_line(&ts, &text(&v, "descriptor_id"), chain_hash, count)
            }
            other => panic!("unexpected operation {other:?}"),
        };
        assert_eq!(&built, raw, "manifest line {}", i + 1);
    }
}

#[test]
fn reference_constitutional_and_audit_lines_rebuild() {
    let Some(log) = reference_lines("data/spice_layer/constitutional_log.jsonl") else {
        return;
    };
    let Some(audit) = reference_lines("logs/forensic_logs/forensic_audit.log") else {
        return;
    };
    for raw in &log {
        let v: Value = serde_json::from_str(raw).expect("json");
        assert_eq!(&constitutional_line(&text(&v, "timestamp")), raw);
    }
    for raw in &audit {
        let v: Value = serde_json::from_str(raw).expect("json");
        let built = forensic_audit_line(&text(&v, "timestamp"), &text(&v, "node"));
        assert_eq!(&built, raw);
    }
}
