//! Python's `repr(float)` (and so `json.dumps`) for an `f64`: the legacy
//! service writes its floats this way and derives descriptor ids from it, so
//! both formats need it byte for byte. Pure; no knowledge of a format.

use std::fmt::Write as _;

/// Appends `x` formatted as Python's `repr(float)` (and so `json.dumps`).
///
/// Shortest round-trip digits; positional notation when the decimal
/// exponent `e` (of `d.ddd × 10^e`) satisfies `-4 <= e < 16`, always with at
/// least one digit after the point; otherwise `1e-05` / `1.5e+16` style.
/// Non-finite values are written as `NaN`, `Infinity`, `-Infinity`.
pub fn write_py_float(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    // `is_sign_negative` rather than `< 0.0` so that -0.0 keeps its sign.
    if x.is_sign_negative() {
        out.push('-');
    }
    let (digits, exp) = shortest_digits(x.abs());
    let digits = digits.as_str();
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(digits);
        } else {
            // The point goes after exp + 1 digits, padding with zeros.
            let int_len = exp.unsigned_abs() as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.unsigned_abs());
    }
}

/// Shortest round-trip significant digits of a finite `x >= 0` and the
/// decimal exponent of the first digit, choosing between two equally near
/// shortest candidates as `CPython` does.
///
/// Rust's `{:e}` gives the shortest digits but breaks an exact tie (the
/// value lies exactly halfway between two shortest candidates, e.g.
/// 1842129032183692.25) upwards, where `CPython`'s dtoa picks the even last
/// digit. Ties need the exact binary value to have a short decimal
/// expansion, which is cheap to test exactly with integers.
fn shortest_digits(x: f64) -> (String, i32) {
    let mut sci = String::with_capacity(32);
    let _ = write!(sci, "{x:e}");
    let (mantissa, exp_text) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp_text.parse().unwrap_or(0);
    let mut digits = String::with_capacity(mantissa.len());
    for part in mantissa.split('.') {
        digits.push_str(part);
    }
    // At most 17 significant digits, so the value fits a u64.
    let Ok(value) = digits.parse::<u64>() else {
        return (digits, exp);
    };
    if x == 0.0 || value % 2 == 0 {
        return (digits, exp);
    }
    let n = len_i32(&digits);
    // `value` means value × 10^(exp - n + 1); the midpoints to its
    // neighbours are (10·value ± 5) × 10^(exp - n).
    let scale = exp - n;
    let other = if exactly_equals(x, value * 10 - 5, scale) {
        value - 1
    } else if exactly_equals(x, value * 10 + 5, scale) {
        value + 1
    } else {
        return (digits, exp);
    };
    let mut other_digits = other.to_string();
    let other_exp = exp + len_i32(&other_digits) - n;
    while other_digits.len() > 1 && other_digits.ends_with('0') {
        other_digits.pop();
    }
    // Only take the even candidate if it still reads back as `x` (it may
    // not at a binade boundary, where the rounding interval is lopsided).
    let check = format!("{other_digits}e{}", other_exp - len_i32(&other_digits) + 1);
    if check.parse::<f64>() == Ok(x) {
        (other_digits, other_exp)
    } else {
        (digits, exp)
    }
}

/// Length of a short digit string as an exponent offset.
fn len_i32(digits: &str) -> i32 {
    i32::try_from(digits.len()).unwrap_or(i32::MAX)
}

/// Whether the finite, positive `x` equals `sig × 10^exp10` exactly.
fn exactly_equals(x: f64, sig: u64, exp10: i32) -> bool {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mut mant, mut exp2) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    if mant == 0 || sig == 0 {
        return false;
    }
    // x = mant·2^exp2 and sig·10^exp10 = sig_odd·5^exp10·2^(sig_twos + exp10)
    // with mant and sig_odd odd: equal iff odd parts and powers of two agree.
    exp2 += mant.trailing_zeros().cast_signed();
    mant >>= mant.trailing_zeros();
    let sig_twos = sig.trailing_zeros().cast_signed();
    let sig_odd = u128::from(sig >> sig_twos);
    let mant = u128::from(mant);
    let Some(pow5) = 5u128.checked_pow(exp10.unsigned_abs()) else {
        return false;
    };
    if exp10 >= 0 {
        sig_odd.checked_mul(pow5) == Some(mant) && exp2 == sig_twos + exp10
    } else {
        mant.checked_mul(pow5) == Some(sig_odd) && exp2 - exp10 == sig_twos
    }
}

/// Returns `x` formatted as Python's `repr(float)`.
pub fn py_float(x: f64) -> String {
    let mut out = String::with_capacity(24);
    write_py_float(&mut out, x);
    out
}
