//! Reading a ledger through its [`Ledger`]: a review opens it with the
//! HMAC key it was given (checked against the ledger once, here), and
//! verification and watching take that key from the `Ledger` rather than
//! each caller resolving it again. The work itself stays in
//! [`crate::ledger::verify`] and [`crate::ledger::watch`].

use super::{Keys, Ledger};
use crate::ledger::discover::{DiscoverError, Discovery};
use crate::ledger::model::report::VerifyReport;
use crate::ledger::native::secret::SecretError;
use crate::ledger::verify::{VerifyOptions, verify_discovered, verify_path};
use crate::ledger::watch::WatchHandle;
use crate::ledger::watch::{WatchEvent, WatchOptions};
use std::borrow::Cow;
use std::path::Path;

impl Ledger {
    /// Open the ledger at `path` for a read-only review: its format, and
    /// the HMAC key file `mac_key` when given (refused when it is not the
    /// ledger's). The signing key is never read.
    pub fn review(path: &Path, mac_key: Option<&Path>) -> Result<Ledger, SecretError> {
        let keys = Keys::resolve(path, false, None, mac_key)?;
        Ok(Ledger::with_keys(path, keys))
    }

    /// Verify it (read-only) with `options`; a keyed ledger's MACs are
    /// checked with its HMAC key unless `options` names one.
    pub fn verify(&self, options: &VerifyOptions) -> Result<VerifyReport, DiscoverError> {
        verify_path(self.path(), &self.with_mac_key(options))
    }

    /// Verify what discovery found of it (read-only), its HMAC key used as
    /// [`Ledger::verify`] uses it: for a caller that discovered it already
    /// (the workstation indexes the files found while they are verified),
    /// so it is not discovered twice.
    pub fn verify_discovered(&self, found: &Discovery, options: &VerifyOptions) -> VerifyReport {
        verify_discovered(found, &self.with_mac_key(options))
    }

    /// Watch it (read-only) with `options`, its HMAC key used as
    /// [`Ledger::verify`] uses it; each event goes to `send` until it
    /// returns `false` or the handle is dropped.
    pub fn watch(
        &self,
        mut options: WatchOptions,
        send: impl FnMut(WatchEvent) -> bool + Send + 'static,
    ) -> WatchHandle {
        options.verify = self.with_mac_key(&options.verify).into_owned();
        crate::ledger::watch::thread::spawn(self.path().to_path_buf(), options, send)
    }

    fn with_mac_key<'o>(&self, options: &'o VerifyOptions) -> Cow<'o, VerifyOptions> {
        match (&options.mac_key, &self.keys().mac_key) {
            (None, Some(key)) => Cow::Owned(VerifyOptions {
                mac_key: Some(key.clone()),
                ..options.clone()
            }),
            _ => Cow::Borrowed(options),
        }
    }
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;
