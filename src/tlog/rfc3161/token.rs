//! Checking an RFC 3161 timestamp token (a CMS `SignedData` over a
//! `TSTInfo`, RFC 3161 §2.4.2, RFC 5652 §5) against a TSA certificate:
//! the signed content is a `TSTInfo`, the signed attributes bind it (content
//! type, message digest) and the certificate (ESS signing-certificate or
//! -v2, when present), and the signature over the attributes verifies under
//! the certificate's key (P-256 ECDSA or Ed25519).

use super::asn1::{self, TstInfo};
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode, Tag, Tagged};
use sha2::Digest;
use x509_cert::Certificate;

/// What a token says, once its signature is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFacts {
    /// The time the TSA attests, ISO 8601 UTC as the TSA gave it
    /// (`YYYY-MM-DDThh:mm:ss[.fff]Z`).
    pub gen_time: String,
    /// The hash algorithm of the message imprint.
    pub imprint_algorithm: ObjectIdentifier,
    /// The message imprint: the hash of what was timestamped.
    pub imprint: Vec<u8>,
    /// The token's serial number (hex).
    pub serial: String,
    /// The TSA's policy OID.
    pub policy: String,
    /// The request's nonce, when the token carries one.
    pub nonce: Option<Vec<u8>>,
    /// The accuracy of `gen_time`, when given (e.g. `1s`, `0.5s`).
    pub accuracy: Option<String>,
}

/// Who signed a token whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// One of the certificates the verifier was given (its subject).
    Trusted(String),
    /// Only the certificate the token carries, which the verifier was not
    /// given: the signature holds, but nothing says the TSA is the one
    /// trusted (its subject).
    Untrusted(String),
}

/// A token whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// What it says.
    pub facts: TokenFacts,
    /// Who signed it.
    pub signer: Signer,
}

/// A token that failed: why, in one sentence. `untrusted` is set when
/// the only failure is that no given certificate signed it and the token
/// carries none that could be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// What is wrong.
    pub reason: String,
    /// The token may be genuine, but no certificate at hand can tell.
    pub untrusted: bool,
}

fn invalid(reason: impl Into<String>) -> TokenError {
    TokenError {
        reason: reason.into(),
        untrusted: false,
    }
}

/// The parts of a token that the checks need.
struct Parsed {
    signer: SignerInfo,
    embedded: Vec<Certificate>,
    /// The `eContent` octets: the DER of the `TSTInfo`.
    content: Vec<u8>,
    info: TstInfo,
}

fn parse(token: &[u8]) -> Result<Parsed, TokenError> {
    let ci: ContentInfo = asn1::decode(token, "the token").map_err(invalid)?;
    if ci.content_type != asn1::ID_SIGNED_DATA {
        return Err(invalid(format!(
            "the token is not CMS SignedData (content type {})",
            ci.content_type
        )));
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| invalid(format!("the token's SignedData is not valid DER: {e}")))?;
    let eci = &sd.encap_content_info;
    if eci.econtent_type != asn1::ID_CT_TST_INFO {
        return Err(invalid(format!(
            "the token signs content of type {}, not a TSTInfo (1.2.840.113549.1.9.16.1.4)",
            eci.econtent_type
        )));
    }
    let content = eci
        .econtent
        .as_ref()
        .ok_or_else(|| invalid("the token carries no TSTInfo (detached content)"))?
        .decode_as::<OctetString>()
        .map_err(|e| invalid(format!("the token's content is not an OCTET STRING: {e}")))?
        .into_bytes()
        .into_vec();
    let info: TstInfo = asn1::decode(&content, "the token's TSTInfo").map_err(invalid)?;
    if info.version != 1 {
        return Err(invalid(format!(
            "TSTInfo version {} (expected 1)",
            info.version
        )));
    }
    let signers: Vec<SignerInfo> = sd.signer_infos.0.iter().cloned().collect();
    let [signer] = <[SignerInfo; 1]>::try_from(signers).map_err(|v| {
        invalid(format!(
            "the token has {} signers (RFC 3161: exactly one, the TSA)",
            v.len()
        ))
    })?;
    let embedded = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            cms::cert::CertificateChoices::Other(_) => None,
        })
        .collect();
    Ok(Parsed {
        signer,
        embedded,
        content,
        info,
    })
}

/// Check `token` (DER) against the TSA certificates `trusted`: its
/// structure, its signed attributes and its signature. The message imprint
/// is returned, not judged: the caller knows what it should be.
pub fn check_token(token: &[u8], trusted: &[Certificate]) -> Result<Checked, TokenError> {
    let p = parse(token)?;
    let facts = facts(&p.info)?;
    if let Some(cert) = trusted.iter().find(|c| names_cert(&p.signer.sid, c)) {
        check_signer(&p, cert)?;
        return Ok(Checked {
            facts,
            signer: Signer::Trusted(cert.tbs_certificate().subject().to_string()),
        });
    }
    let Some(cert) = p.embedded.iter().find(|c| names_cert(&p.signer.sid, c)) else {
        return Err(TokenError {
            reason: format!(
                "the token was signed by {}, which is none of the {} certificate(s) given, and it carries no certificate of its signer",
                describe_sid(&p.signer.sid),
                trusted.len()
            ),
            untrusted: true,
        });
    };
    check_signer(&p, cert)?;
    Ok(Checked {
        facts,
        signer: Signer::Untrusted(cert.tbs_certificate().subject().to_string()),
    })
}

fn describe_sid(sid: &SignerIdentifier) -> String {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(i) => {
            format!(
                "the certificate of serial {} issued by {}",
                i.serial_number, i.issuer
            )
        }
        SignerIdentifier::SubjectKeyIdentifier(k) => {
            format!("the key {}", hex::encode(k.0.as_bytes()))
        }
    }
}

/// Whether the signer identifier names `cert`.
fn names_cert(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(i) => {
            i.issuer == *tbs.issuer() && i.serial_number == *tbs.serial_number()
        }
        SignerIdentifier::SubjectKeyIdentifier(k) => tbs
            .extensions()
            .into_iter()
            .flatten()
            .filter(|e| e.extn_id == ObjectIdentifier::new_unwrap("2.5.29.14"))
            .any(|e| {
                OctetString::from_der(e.extn_value.as_bytes())
                    .is_ok_and(|v| v.as_bytes() == k.0.as_bytes())
            }),
    }
}

/// The hash of `data` with the algorithm `oid`, when it is one we know.
pub fn digest(oid: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    Some(match *oid {
        o if o == asn1::ID_SHA256 => sha2::Sha256::digest(data).to_vec(),
        o if o == asn1::ID_SHA384 => sha2::Sha384::digest(data).to_vec(),
        o if o == asn1::ID_SHA512 => sha2::Sha512::digest(data).to_vec(),
        o if o == asn1::ID_SHA1 => sha1::Sha1::digest(data).to_vec(),
        _ => return None,
    })
}

/// The single value of the signed attribute `oid`, when present.
fn attr(signer: &SignerInfo, oid: ObjectIdentifier) -> Result<Option<der::asn1::Any>, TokenError> {
    let Some(attrs) = &signer.signed_attrs else {
        return Ok(None);
    };
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(a) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() || a.values.len() != 1 {
        return Err(invalid(format!(
            "the signed attribute {oid} must occur once with one value"
        )));
    }
    Ok(a.values.iter().next().cloned())
}

/// Check the signer's attributes and signature against `cert`.
fn check_signer(p: &Parsed, cert: &Certificate) -> Result<(), TokenError> {
    let s = &p.signer;
    let attrs = s
        .signed_attrs
        .as_ref()
        .ok_or_else(|| invalid("the token has no signed attributes (RFC 3161 requires them)"))?;
    let ct = attr(s, asn1::ID_CONTENT_TYPE)?
        .ok_or_else(|| invalid("the signed attributes lack the content type"))?
        .decode_as::<ObjectIdentifier>()
        .map_err(|e| invalid(format!("the content-type attribute: {e}")))?;
    if ct != asn1::ID_CT_TST_INFO {
        return Err(invalid(format!(
            "the signed content type is {ct}, not TSTInfo"
        )));
    }
    let md = attr(s, asn1::ID_MESSAGE_DIGEST)?
        .ok_or_else(|| invalid("the signed attributes lack the message digest"))?
        .decode_as::<OctetString>()
        .map_err(|e| invalid(format!("the message-digest attribute: {e}")))?;
    let content_hash = digest(&s.digest_alg.oid, &p.content).ok_or_else(|| {
        invalid(format!(
            "unsupported digest algorithm {} (SHA-256, SHA-384, SHA-512, SHA-1)",
            s.digest_alg.oid
        ))
    })?;
    if md.as_bytes() != content_hash.as_slice() {
        return Err(invalid(format!(
            "the signed message digest {} is not the hash of the token's TSTInfo ({}): the TSTInfo was changed",
            hex::encode(md.as_bytes()),
            hex::encode(&content_hash)
        )));
    }
    check_ess(s, cert)?;
    let message = attrs
        .to_der()
        .map_err(|e| invalid(format!("re-encoding the signed attributes: {e}")))?;
    verify_signature(s, cert, &message)
}

/// The ESS signing-certificate binding (v1: SHA-1, v2: its algorithm), when
/// present: its first certificate hash must be `cert`'s.
fn check_ess(s: &SignerInfo, cert: &Certificate) -> Result<(), TokenError> {
    let der = cert
        .to_der()
        .map_err(|e| invalid(format!("encoding the certificate: {e}")))?;
    let first = if let Some(v2) = attr(s, asn1::ID_SIGNING_CERTIFICATE_V2)? {
        let sc: asn1::SigningCertificateV2 = v2
            .decode_as()
            .map_err(|e| invalid(format!("the signing-certificate-v2 attribute: {e}")))?;
        sc.certs.first().map(|c| {
            let alg = c.hash_algorithm.as_ref().map_or(asn1::ID_SHA256, |a| a.oid);
            (alg, c.cert_hash.as_bytes().to_vec())
        })
    } else if let Some(v1) = attr(s, asn1::ID_SIGNING_CERTIFICATE)? {
        let sc: asn1::SigningCertificate = v1
            .decode_as()
            .map_err(|e| invalid(format!("the signing-certificate attribute: {e}")))?;
        sc.certs
            .first()
            .map(|c| (asn1::ID_SHA1, c.cert_hash.as_bytes().to_vec()))
    } else {
        return Ok(());
    };
    let (alg, want) =
        first.ok_or_else(|| invalid("the signing-certificate attribute lists no certificate"))?;
    let have = digest(&alg, &der)
        .ok_or_else(|| invalid(format!("unsupported certificate hash algorithm {alg}")))?;
    if have != want {
        return Err(invalid(format!(
            "the signing-certificate attribute names the certificate {}, not the given one ({})",
            hex::encode(&want),
            hex::encode(&have)
        )));
    }
    Ok(())
}

/// The signature over the DER of the signed attributes.
fn verify_signature(s: &SignerInfo, cert: &Certificate, message: &[u8]) -> Result<(), TokenError> {
    let spki = cert.tbs_certificate().subject_public_key_info();
    let key = spki.subject_public_key.raw_bytes();
    let sig = s.signature.as_bytes();
    let alg = s.signature_algorithm.oid;
    let ok = if alg == asn1::ID_ED25519 && spki.algorithm.oid == asn1::ID_ED25519 {
        let key = <[u8; 32]>::try_from(key)
            .ok()
            .and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok())
            .ok_or_else(|| invalid("the certificate's Ed25519 key is malformed"))?;
        let sig = ed25519_dalek::Signature::from_slice(sig)
            .map_err(|_| invalid("the Ed25519 signature is malformed"))?;
        key.verify_strict(message, &sig).is_ok()
    } else if (alg == asn1::ID_ECDSA_SHA256
        || (alg == asn1::ID_EC_PUBLIC_KEY && s.digest_alg.oid == asn1::ID_SHA256))
        && spki.algorithm.oid == asn1::ID_EC_PUBLIC_KEY
        && spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
            == Some(asn1::ID_P256)
    {
        use p256::ecdsa::signature::Verifier;
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
            .map_err(|_| invalid("the certificate's P-256 key is malformed"))?;
        let sig = p256::ecdsa::Signature::from_der(sig)
            .map_err(|_| invalid("the ECDSA signature is not valid DER"))?;
        key.verify(message, &sig).is_ok()
    } else if spki.algorithm.oid == asn1::ID_RSA_ENCRYPTION
        && let Some(hash) = rsa_hash(alg, s.digest_alg.oid)
    {
        verify_rsa(key, hash, message, sig)?
    } else {
        return Err(invalid(format!(
            "unsupported signature algorithm {alg} with a key of type {} (supported: RSA PKCS #1 v1.5 with SHA-256/384/512, ECDSA P-256 with SHA-256, Ed25519)",
            spki.algorithm.oid
        )));
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "the signature does not verify under the key of {}",
            cert.tbs_certificate().subject()
        )))
    }
}

/// The hash of an RSA PKCS #1 v1.5 signature: named by the signature
/// algorithm, or, when the signer gives only the key type (`rsaEncryption`,
/// as OpenSSL does), by its digest algorithm. RSA-PSS is not supported.
fn rsa_hash(alg: ObjectIdentifier, digest_alg: ObjectIdentifier) -> Option<ObjectIdentifier> {
    let hash = match alg {
        a if a == asn1::ID_RSA_SHA256 => asn1::ID_SHA256,
        a if a == asn1::ID_RSA_SHA384 => asn1::ID_SHA384,
        a if a == asn1::ID_RSA_SHA512 => asn1::ID_SHA512,
        a if a == asn1::ID_RSA_ENCRYPTION => digest_alg,
        _ => return None,
    };
    [asn1::ID_SHA256, asn1::ID_SHA384, asn1::ID_SHA512]
        .contains(&hash)
        .then_some(hash)
}

/// An RSA PKCS #1 v1.5 signature over `message` with `hash`: whether it
/// verifies under the certificate's key (`key`: the `RSAPublicKey` DER).
fn verify_rsa(
    key: &[u8],
    hash: ObjectIdentifier,
    message: &[u8],
    sig: &[u8],
) -> Result<bool, TokenError> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    let key = rsa::PublicKey::from_pkcs1_der(key)
        .map_err(|e| invalid(format!("the certificate's RSA key is malformed: {e}")))?;
    let sig = Signature::try_from(sig).map_err(|_| invalid("the RSA signature is malformed"))?;
    Ok(match hash {
        h if h == asn1::ID_SHA384 => VerifyingKey::<sha2::Sha384>::new(key)
            .verify(message, &sig)
            .is_ok(),
        h if h == asn1::ID_SHA512 => VerifyingKey::<sha2::Sha512>::new(key)
            .verify(message, &sig)
            .is_ok(),
        _ => VerifyingKey::<sha2::Sha256>::new(key)
            .verify(message, &sig)
            .is_ok(),
    })
}

/// What the `TSTInfo` says, its time as ISO 8601.
fn facts(info: &TstInfo) -> Result<TokenFacts, TokenError> {
    if info.gen_time.tag() != Tag::GeneralizedTime {
        return Err(invalid("genTime is not a GeneralizedTime"));
    }
    let gen_time = iso_from_generalized(info.gen_time.value()).ok_or_else(|| {
        invalid(format!(
            "genTime {:?} is not YYYYMMDDhhmmss[.f]Z",
            String::from_utf8_lossy(info.gen_time.value())
        ))
    })?;
    let accuracy = info.accuracy.as_ref().map(|a| {
        let micros = a.seconds.unwrap_or(0) * 1_000_000
            + u64::from(a.millis.unwrap_or(0)) * 1000
            + u64::from(a.micros.unwrap_or(0));
        format!("{}s", micros as f64 / 1e6)
    });
    Ok(TokenFacts {
        gen_time,
        imprint_algorithm: info.message_imprint.hash_algorithm.oid,
        imprint: info.message_imprint.hashed_message.as_bytes().to_vec(),
        serial: hex::encode(info.serial_number.as_bytes()),
        policy: info.policy.to_string(),
        nonce: info.nonce.as_ref().map(|n| n.as_bytes().to_vec()),
        accuracy,
    })
}

/// `YYYYMMDDhhmmss[.f+]Z` as `YYYY-MM-DDThh:mm:ss[.f+]Z` (RFC 3161:
/// UTC, `Z`, no trailing zeros in the fraction).
pub fn iso_from_generalized(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?.strip_suffix('Z')?;
    let (whole, frac) = text
        .split_once('.')
        .map_or((text, None), |(w, f)| (w, Some(f)));
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(f) = frac
        && (f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let field = |r: std::ops::Range<usize>| whole[r].parse::<u32>().ok();
    let (month, day) = (field(4..6)?, field(6..8)?);
    let (hour, minute, second) = (field(8..10)?, field(10..12)?, field(12..14)?);
    // 60: a leap second.
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut out = format!(
        "{}-{}-{}T{}:{}:{}",
        &whole[0..4],
        &whole[4..6],
        &whole[6..8],
        &whole[8..10],
        &whole[10..12],
        &whole[12..14]
    );
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out.push('Z');
    Some(out)
}
