//! A witness policy: which witnesses a verifier trusts, and how many of
//! them (k of n) must have cosigned a checkpoint.
//!
//! The text form, one directive per line (`#` starts a comment line):
//!
//! ```text
//! witness <cosignature verifier key, type 0x04>
//! witness <...>
//! quorum <k>
//! ```
//!
//! `quorum` defaults to the number of witnesses (all of them) when absent.

use super::note::{KeyKind, NoteError, Verifier, open};

/// A parsed witness policy.
#[derive(Debug, Clone)]
pub struct WitnessPolicy {
    /// The trusted witnesses' cosignature keys.
    pub witnesses: Vec<Verifier>,
    /// How many distinct witnesses must have cosigned.
    pub quorum: usize,
}

/// What one witness's cosignature on a note amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cosigned {
    /// A valid cosignature, made at this time (POSIX seconds).
    Valid(u64),
    /// A cosignature line with the witness's name and key id that does not
    /// verify.
    Invalid(String),
    /// No cosignature by this witness.
    Absent,
}

/// The policy applied to one note.
#[derive(Debug, Clone)]
pub struct PolicyOutcome {
    /// Per witness (policy order): its name and what it cosigned.
    pub witnesses: Vec<(String, Cosigned)>,
    /// The number of valid cosignatures.
    pub valid: usize,
    /// The quorum asked for.
    pub quorum: usize,
}

impl PolicyOutcome {
    /// Whether enough witnesses cosigned.
    pub fn satisfied(&self) -> bool {
        self.valid >= self.quorum
    }

    /// The witnesses whose cosignatures verified, by name.
    pub fn signers(&self) -> Vec<&str> {
        self.witnesses
            .iter()
            .filter(|(_, c)| matches!(c, Cosigned::Valid(_)))
            .map(|(n, _)| n.as_str())
            .collect()
    }
}

impl WitnessPolicy {
    /// Parses the text form; errors name the 1-based line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut witnesses = Vec::new();
        let mut quorum = None;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            match word {
                "witness" => {
                    let v =
                        Verifier::from_vkey(rest.trim()).map_err(|e| format!("line {n}: {e}"))?;
                    if v.kind() != KeyKind::Ed25519Cosignature {
                        return Err(format!(
                            "line {n}: expected a cosignature key (type 0x04), found a note signer key (type 0x01)"
                        ));
                    }
                    if witnesses
                        .iter()
                        .any(|w: &Verifier| w.name() == v.name() && w.key_id() == v.key_id())
                    {
                        return Err(format!("line {n}: witness {} listed twice", v.name()));
                    }
                    witnesses.push(v);
                }
                "quorum" => {
                    if quorum.is_some() {
                        return Err(format!("line {n}: a second quorum line"));
                    }
                    quorum = Some(rest.trim().parse::<usize>().map_err(|_| {
                        format!("line {n}: expected `quorum <k>` with k a number, found {line:?}")
                    })?);
                }
                _ => {
                    return Err(format!(
                        "line {n}: expected `witness <vkey>` or `quorum <k>`, found {line:?}"
                    ));
                }
            }
        }
        if witnesses.is_empty() {
            return Err("no `witness <vkey>` line".into());
        }
        let quorum = quorum.unwrap_or(witnesses.len());
        if quorum == 0 || quorum > witnesses.len() {
            return Err(format!(
                "quorum {quorum} must be between 1 and the number of witnesses ({})",
                witnesses.len()
            ));
        }
        Ok(Self { witnesses, quorum })
    }

    /// Applies the policy to a signed note (whose log signature the caller
    /// has verified). Each witness is checked on its own, so one witness's
    /// bad line cannot hide another's valid cosignature.
    pub fn evaluate(&self, note: &str) -> PolicyOutcome {
        let witnesses: Vec<(String, Cosigned)> = self
            .witnesses
            .iter()
            .map(|w| {
                let state = match open(note, std::slice::from_ref(w)) {
                    Ok(opened) => opened
                        .verified
                        .first()
                        .and_then(|s| s.timestamp)
                        .map_or(Cosigned::Absent, Cosigned::Valid),
                    Err(NoteError::Unverified { .. }) => Cosigned::Absent,
                    Err(e) => Cosigned::Invalid(e.to_string()),
                };
                (w.name().to_owned(), state)
            })
            .collect();
        let valid = witnesses
            .iter()
            .filter(|(_, c)| matches!(c, Cosigned::Valid(_)))
            .count();
        PolicyOutcome {
            witnesses,
            valid,
            quorum: self.quorum,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::note::{Cosigner, Signer, sign};
    use ed25519_dalek::SigningKey;

    const TEXT: &str = "example.com/log\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n";

    fn witness(n: u8) -> Cosigner {
        Cosigner::new(&format!("w{n}.example"), SigningKey::from_bytes(&[n; 32])).unwrap()
    }

    fn policy(k: usize) -> WitnessPolicy {
        let text = format!(
            "# three witnesses\nwitness {}\nwitness {}\nwitness {}\nquorum {k}\n",
            witness(1).vkey(),
            witness(2).vkey(),
            witness(3).vkey()
        );
        WitnessPolicy::parse(&text).unwrap()
    }

    #[test]
    fn k_of_n_counts_valid_cosignatures_and_names_them() {
        let log = Signer::new("example.com/log", SigningKey::from_bytes(&[9; 32])).unwrap();
        let base = sign(TEXT, [&log]).unwrap();
        let two = format!(
            "{base}{}{}",
            witness(1).cosign(TEXT, 10).unwrap(),
            witness(3).cosign(TEXT, 11).unwrap()
        );
        let out = policy(2).evaluate(&two);
        assert!(out.satisfied());
        assert_eq!(out.signers(), ["w1.example", "w3.example"]);
        assert_eq!(out.witnesses[1].1, Cosigned::Absent);
        assert_eq!(out.witnesses[2].1, Cosigned::Valid(11));
        assert!(!policy(3).evaluate(&two).satisfied());
        assert!(!policy(1).evaluate(&base).satisfied());
    }

    #[test]
    fn a_bad_cosignature_counts_as_invalid_not_valid() {
        let other = TEXT.replace("1\n", "2\n");
        let log = Signer::new("example.com/log", SigningKey::from_bytes(&[9; 32])).unwrap();
        let note = format!(
            "{}{}",
            sign(TEXT, [&log]).unwrap(),
            witness(2).cosign(&other, 5).unwrap()
        );
        let out = policy(1).evaluate(&note);
        assert!(matches!(out.witnesses[1].1, Cosigned::Invalid(_)));
        assert!(!out.satisfied());
    }

    #[test]
    fn malformed_policies_are_refused_with_their_line() {
        let w = witness(1).vkey();
        let log = Signer::new("example.com/log", SigningKey::from_bytes(&[9; 32])).unwrap();
        for (text, want) in [
            (String::new(), "no `witness"),
            (format!("witness {w}\nquorum 2\n"), "between 1 and"),
            (format!("witness {w}\nquorum 0\n"), "between 1 and"),
            (
                format!("witness {w}\nwitness {w}\n"),
                "line 2: witness w1.example listed twice",
            ),
            (
                format!("witness {}\n", log.vkey()),
                "line 1: expected a cosignature key",
            ),
            (format!("witness {w}\nquorom 1\n"), "line 2: expected"),
        ] {
            let err = WitnessPolicy::parse(&text).unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
        }
        assert_eq!(
            WitnessPolicy::parse(&format!("witness {w}\n"))
                .unwrap()
                .quorum,
            1
        );
    }
}
