//! Real-name verification (实名核验) behind a pluggable interface.
//!
//! Production deployments plug in the province's identity platform; the development provider
//! accepts any valid ID number or credit code with a plausible name, so the demo and the tests
//! can sign applicants in.

use std::future::Future;
use std::pin::Pin;
use yici_core::org::ApplicantId;

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Verified,
    /// The provider does not confirm that this name belongs to this number.
    Mismatch,
}

pub type VerifyFuture<'a> = Pin<Box<dyn Future<Output = Result<Verification, String>> + Send + 'a>>;

/// A source of real-name verification.
pub trait IdentityProvider: Send + Sync {
    /// A short name recorded with every applicant it verified.
    fn name(&self) -> &'static str;
    /// Check that `name` is the real name of the holder of `id`.
    fn verify<'a>(&'a self, id: &'a ApplicantId, name: &'a str) -> VerifyFuture<'a>;
}

/// Development provider: any validated number with a name of 2 to 30 letters or CJK characters.
pub struct DevIdentityProvider;

impl IdentityProvider for DevIdentityProvider {
    fn name(&self) -> &'static str {
        "dev"
    }
    fn verify<'a>(&'a self, _id: &'a ApplicantId, name: &'a str) -> VerifyFuture<'a> {
        Box::pin(async move {
            let n = name.trim().chars().count();
            let plausible = (2..=30).contains(&n)
                && name
                    .trim()
                    .chars()
                    .all(|c| c.is_alphabetic() || c == '·' || c == ' ' || c == '（' || c == '）');
            Ok(if plausible {
                Verification::Verified
            } else {
                Verification::Mismatch
            })
        })
    }
}
