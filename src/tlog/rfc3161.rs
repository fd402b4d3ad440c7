//! RFC 3161 timestamps: the request `iss checkpoint --tsa` sends, the
//! reply it checks, and the token check `iss verify` runs. Pure: bytes in,
//! facts or a reason out; the HTTP exchange and the files are the callers'.

pub mod asn1;
pub mod request;
pub mod token;
