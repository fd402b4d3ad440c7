//! The exchange with a Time-Stamp Authority (RFC 3161 §2.4): the request
//! for a SHA-256 imprint with a nonce, asking for the TSA's certificate, and
//! the check of the reply: granted, a token for this imprint and nonce,
//! signed by the TSA certificate the caller trusts.

use super::asn1::{self, MessageImprint, TimeStampReq, TimeStampResp};
use super::token::{Signer, TokenFacts, check_token};
use der::asn1::{Null, OctetString, Uint};
use der::{Decode, DecodePem, Encode};
use sha2::Digest;
use x509_cert::Certificate;
use x509_cert::spki::AlgorithmIdentifierOwned;

/// The media type of a request (RFC 3161 §3.4).
pub const QUERY_MEDIA_TYPE: &str = "application/timestamp-query";
/// The media type of a reply.
pub const REPLY_MEDIA_TYPE: &str = "application/timestamp-reply";

/// The DER of a `TimeStampReq` for the SHA-256 of `data`, with `nonce`
/// (its leading zero bytes dropped; at least one byte) and `certReq` true.
pub fn build_request(data: &[u8], nonce: &[u8]) -> Result<Vec<u8>, String> {
    let req = TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: asn1::ID_SHA256,
                parameters: Some(Null.into()),
            },
            hashed_message: OctetString::new(sha2::Sha256::digest(data).to_vec())
                .map_err(|e| e.to_string())?,
        },
        nonce: Some(Uint::new(nonce).map_err(|e| e.to_string())?),
        cert_req: Some(true),
    };
    req.to_der()
        .map_err(|e| format!("encoding the request: {e}"))
}

/// Check a TSA's reply to [`build_request`]`(data, nonce)`: status granted,
/// a token whose imprint is SHA-256 of `data`, whose nonce is `nonce`, and
/// whose signature verifies under `cert`. Returns the token's DER and facts.
pub fn check_reply(
    reply: &[u8],
    data: &[u8],
    nonce: &[u8],
    cert: &Certificate,
) -> Result<(Vec<u8>, TokenFacts), String> {
    let resp: TimeStampResp = asn1::decode(reply, "the TSA's reply")?;
    let status = &resp.status;
    if status.status > 1 {
        let text = status
            .status_string
            .as_ref()
            .map(|s| format!(": {}", s.join("; ")))
            .unwrap_or_default();
        let fail = status
            .fail_info
            .as_ref()
            .map(|b| format!(" (failure bits {})", hex::encode(b.raw_bytes())))
            .unwrap_or_default();
        return Err(format!(
            "the TSA refused the request: status {} ({}){text}{fail}",
            status.status,
            status_name(status.status)
        ));
    }
    let token = resp
        .time_stamp_token
        .ok_or("the TSA granted the request but sent no token")?
        .to_der()
        .map_err(|e| e.to_string())?;
    let checked = check_token(&token, std::slice::from_ref(cert)).map_err(|e| e.reason)?;
    if let Signer::Untrusted(who) = &checked.signer {
        return Err(format!(
            "the token was signed by {who}, not by the given TSA certificate {}",
            cert.tbs_certificate().subject()
        ));
    }
    let want = sha2::Sha256::digest(data).to_vec();
    if checked.facts.imprint_algorithm != asn1::ID_SHA256 || checked.facts.imprint != want {
        return Err(format!(
            "the token covers {} {}, not the SHA-256 {} that was asked for",
            checked.facts.imprint_algorithm,
            hex::encode(&checked.facts.imprint),
            hex::encode(&want)
        ));
    }
    let want_nonce = Uint::new(nonce).map_err(|e| e.to_string())?;
    if checked.facts.nonce.as_deref() != Some(want_nonce.as_bytes()) {
        return Err(format!(
            "the token's nonce is {}, not the request's {}: a replayed or mixed-up reply",
            checked
                .facts
                .nonce
                .as_ref()
                .map_or_else(|| "absent".to_owned(), hex::encode),
            hex::encode(want_nonce.as_bytes())
        ));
    }
    Ok((token, checked.facts))
}

fn status_name(s: u8) -> &'static str {
    match s {
        2 => "rejection",
        3 => "waiting",
        4 => "revocation warning",
        5 => "revocation notification",
        _ => "unknown",
    }
}

/// A TSA certificate from PEM or DER; it must carry the extended key usage
/// timeStamping (RFC 3161 §2.3), else it is not a TSA's.
pub fn load_tsa_cert(bytes: &[u8]) -> Result<Certificate, String> {
    let cert = if bytes.starts_with(b"-----BEGIN") {
        Certificate::from_pem(bytes).map_err(|e| format!("not a PEM certificate: {e}"))?
    } else {
        Certificate::from_der(bytes).map_err(|e| format!("not a DER or PEM certificate: {e}"))?
    };
    let eku = cert
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .find(|e| e.extn_id == asn1::ID_EXT_KEY_USAGE)
        .and_then(|e| {
            x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok()
        });
    if !eku.is_some_and(|k| k.0.contains(&asn1::ID_KP_TIME_STAMPING)) {
        return Err(format!(
            "the certificate of {} is not a TSA's: its extended key usage lacks timeStamping (1.3.6.1.5.5.7.3.8)",
            cert.tbs_certificate().subject()
        ));
    }
    Ok(cert)
}
