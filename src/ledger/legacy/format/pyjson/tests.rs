use super::*;
use std::io::Write as _;
use std::process::{Command, Stdio};

#[test]
fn float_layout_matches_python_repr() {
    let cases: &[(f64, &str)] = &[
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (-1.0, "-1.0"),
        (0.1, "0.1"),
        (0.37, "0.37"),
        (0.0001, "0.0001"),
        (0.00012, "0.00012"),
        (1e-5, "1e-05"),
        (-2.5e-7, "-2.5e-07"),
        (123_456_789_012_345.6, "123456789012345.6"),
        (1e15, "1000000000000000.0"),
        (9_999_999_999_999_998.0, "9999999999999998.0"),
        (1e16, "1e+16"),
        (1.5e16, "1.5e+16"),
        (1e100, "1e+100"),
        (f64::MAX, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        (1_795_729_479.369_992, "1795729479.369992"),
        (849_001_548.553_992, "849001548.553992"),
        (2_461_371.406_011_226_6, "2461371.4060112266"),
        // Exact ties between two shortest candidates: Python picks the
        // even digit, Rust's `{:e}` would round up.
        // (exactly 1842129032183692.25 and .75)
        (-7_368_516_128_734_769.0 / 4.0, "-1842129032183692.2"),
        (7_368_516_128_734_771.0 / 4.0, "1842129032183692.8"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
    ];
    for &(x, want) in cases {
        assert_eq!(py_float(x), want, "bits {:016x}", x.to_bits());
    }
}

#[test]
fn string_escapes_match_python() {
    let cases: &[(&str, &str)] = &[
        ("", r#""""#),
        ("plain / text", r#""plain / text""#),
        ("q\"b\\", r#""q\"b\\""#),
        ("\n\r\t\u{8}\u{c}", r#""\n\r\t\b\f""#),
        ("\u{0}\u{1f}", r#""\u0000\u001f""#),
        // CPython escapes DEL too: its "safe" range is ' '..='~'.
        ("\u{7f}", r#""\u007f""#),
        ("é", r#""\u00e9""#),
        ("Prüfung — fehlt", r#""Pr\u00fcfung \u2014 fehlt""#),
        ("😀", r#""\ud83d\ude00""#),
        ("\u{ffff}\u{10ffff}", r#""\uffff\udbff\udfff""#),
    ];
    for &(s, want) in cases {
        assert_eq!(py_str(s), want);
    }
}

#[test]
fn builder_separators_and_nesting() {
    let build = |style| {
        let mut w = PyJsonWriter::new(style);
        w.begin_object();
        w.key("a").int(-3);
        w.key("b").str_array::<&str>(&[]);
        w.key("c").str_array(&["x", "y"]);
        w.key("d").opt_str(None);
        w.key("e").bool(true);
        w.key("f").begin_object().key("g").float(0.5).end_object();
        w.end_object();
        w.finish()
    };
    assert_eq!(
        build(Style::Compact),
        r#"{"a":-3,"b":[],"c":["x","y"],"d":null,"e":true,"f":{"g":0.5}}"#
    );
    assert_eq!(
        build(Style::Default),
        r#"{"a": -3, "b": [], "c": ["x", "y"], "d": null, "e": true, "f": {"g": 0.5}}"#
    );
}

/// splitmix64, enough randomness for generating test inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn random_float(rng: &mut Rng) -> f64 {
    let r = rng.next();
    let sign = if r & 1 == 0 { 1.0 } else { -1.0 };
    match (r >> 1) % 9 {
        // Big integers divided by small powers of two: short exact
        // expansions, where ties between shortest candidates live.
        8 => sign * (rng.next() >> 11) as f64 / f64::from(1u32 << ((r >> 8) % 12)),
        // Any bit pattern: huge, tiny, subnormal, NaN, inf.
        0 | 1 => f64::from_bits(rng.next()),
        // Subnormals.
        2 => f64::from_bits(rng.next() & 0x000f_ffff_ffff_ffff) * sign,
        // Integral values around the positional/scientific boundary.
        3 => sign * (rng.next() % (1 << 60)) as f64 / 10f64.powi((r >> 8) as i32 % 6),
        // Powers of ten and neighbours, across the layout thresholds.
        4 => {
            let p = 10f64.powi((r >> 8) as i32 % 50 - 25);
            let bits = (p.to_bits() + rng.next() % 5).saturating_sub(2);
            f64::from_bits(bits) * sign
        }
        // Short decimals like compliance scores and timestamps.
        5 => (rng.next() % 101) as f64 / 100.0,
        6 => (1_700_000_000_000_000 + rng.next() % 200_000_000_000_000) as f64 / 1e6,
        _ => sign * (rng.next() as f64 / u64::MAX as f64) * 10f64.powi((r >> 8) as i32 % 40 - 20),
    }
}

fn random_string(rng: &mut Rng) -> String {
    let len = rng.next() % 12;
    (0..len)
        .map(|_| {
            let r = rng.next();
            let c = match r % 6 {
                0 => (r >> 8) % 0x80,
                1 => 0x20 + (r >> 8) % 0x5f,
                2 => 0x80 + (r >> 8) % 0x780,
                3 => 0x800 + (r >> 8) % 0xf800,
                4 => 0x10000 + (r >> 8) % 0x10_0000,
                _ => u64::from(b"\"\\/\n\r\t\x08\x0c\x7f"[((r >> 8) % 9) as usize]),
            };
            // Surrogate code points are not chars; map them to U+FFFD.
            char::from_u32(c as u32).unwrap_or('\u{fffd}')
        })
        .collect()
}

/// Compares thousands of random floats and strings with what `python3`'s
/// `json.dumps` writes for them. Inputs go over stdin as hex (f64 bits,
/// UTF-8 bytes) so that nothing formats them on the way.
#[test]
fn cross_check_against_python() {
    const SCRIPT: &str = r"
import json, struct, sys
for line in sys.stdin:
    kind, payload = line.split()
    if kind == 'f':
        v = struct.unpack('>d', bytes.fromhex(payload))[0]
    else:
        v = bytes.fromhex(payload[1:]).decode('utf-8')
    sys.stdout.write(json.dumps(v) + '\n')
";
    const N_CASES: usize = 6000;
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut input = String::new();
    let mut expected = Vec::new();
    for i in 0..N_CASES {
        if i % 2 == 0 {
            let x = random_float(&mut rng);
            let _ = writeln!(input, "f {:016x}", x.to_bits());
            expected.push(py_float(x));
        } else {
            let s = random_string(&mut rng);
            // Prefix so an empty string still yields a token.
            let _ = writeln!(input, "s x{}", hex::encode(s.as_bytes()));
            expected.push(py_str(&s));
        }
    }
    let child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        println!("skipped: python3 not found on PATH");
        return;
    };
    // Feed stdin from another thread: python3 answers while it reads, and
    // both pipes would fill up if we wrote everything first.
    let mut stdin = child.stdin.take().expect("stdin piped");
    let feed = input.clone();
    let feeder = std::thread::spawn(move || stdin.write_all(feed.as_bytes()));
    let output = child.wait_with_output().expect("python3 runs");
    feeder.join().expect("feeder").expect("write to python3");
    assert!(output.status.success(), "python3 failed");
    let stdout = String::from_utf8(output.stdout).expect("python3 writes ASCII");
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got.len(), expected.len());
    let input_lines: Vec<&str> = input.lines().collect();
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g, e, "input {}", input_lines[i]);
    }
}
