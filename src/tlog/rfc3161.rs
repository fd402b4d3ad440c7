//! RFC 3161 timestamps: the request `iss checkpoint --tsa` sends, the
//! reply it checks, and the token check `iss verify` runs. Pure: bytes in,
//! facts or a reason out; the HTTP exchange and the files are the callers'.

pub mod asn1;
pub mod request;
pub mod token;

#[cfg(test)]
mod tests {
    use super::request::{build_request, load_tsa_cert};
    use super::token::{check_token, iso_from_generalized};

    #[test]
    fn generalized_time_with_and_without_fraction() {
        assert_eq!(
            iso_from_generalized(b"20261206034129Z").as_deref(),
            Some("2026-12-06T03:41:29Z")
        );
        assert_eq!(
            iso_from_generalized(b"20261206034129.125Z").as_deref(),
            Some("2026-12-06T03:41:29.125Z")
        );
        for bad in [
            &b"20261206034129"[..],
            b"2026120603412Z",
            b"20261306034129Z",
            b"20261206034129.Z",
            b"2026120603412xZ",
            b"20261206034129+0100",
        ] {
            assert_eq!(iso_from_generalized(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_request_is_der_with_imprint_nonce_and_cert_req() {
        let req = build_request(b"note\n", &[0x80, 1, 2, 3, 4, 5, 6, 7]).unwrap();
        let parsed: super::asn1::TimeStampReq = super::asn1::decode(&req, "req").unwrap();
        assert_eq!(parsed.version, 1);
        assert_eq!(parsed.cert_req, Some(true));
        assert_eq!(
            parsed.message_imprint.hash_algorithm.oid,
            super::asn1::ID_SHA256
        );
        assert_eq!(
            hex::encode(parsed.message_imprint.hashed_message.as_bytes()),
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"note\n"))
        );
        // A nonce whose first bit is set stays positive.
        assert_eq!(
            parsed.nonce.unwrap().as_bytes(),
            &[0x80, 1, 2, 3, 4, 5, 6, 7]
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &b""[..],
            b"\x30",
            b"\x30\x03\x02\x01\x01",
            b"not DER at all",
        ] {
            let e = check_token(bytes, &[]).unwrap_err();
            assert!(!e.untrusted, "{e:?}");
            assert!(load_tsa_cert(bytes).is_err());
        }
    }
}
