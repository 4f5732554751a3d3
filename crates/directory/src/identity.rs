//! Real-name verification (实名核验) behind a pluggable interface.
//!
//! Production deployments sign applicants in through the province's identity platform over
//! OpenID Connect (`oidc.rs`). The development provider of the demo and the tests checks a
//! number and a name against a register of its own; without `--demo` it is off, and a server
//! with no identity platform configured refuses applicant sign-in with a clear problem.

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

/// Development provider, for the demo and the tests only: a register of people and companies
/// with their names. A number it does not list, or a name that is not the one it lists, is a
/// mismatch. `yici serve` uses it only with `--demo`.
#[derive(Debug, Clone, Default)]
pub struct DevIdentityProvider {
    register: std::collections::BTreeMap<String, String>,
}

impl DevIdentityProvider {
    /// A provider that knows these (number, name) pairs.
    pub fn new<'a>(people: impl IntoIterator<Item = (&'a ApplicantId, &'a str)>) -> Self {
        DevIdentityProvider {
            register: people
                .into_iter()
                .map(|(id, name)| (id.as_str().to_string(), name.trim().to_string()))
                .collect(),
        }
    }

    /// Add one entry (tests that sign in people of their own).
    pub fn with(mut self, id: &ApplicantId, name: &str) -> Self {
        self.register.insert(id.as_str().to_string(), name.trim().to_string());
        self
    }
}

impl IdentityProvider for DevIdentityProvider {
    fn name(&self) -> &'static str {
        "dev"
    }
    fn verify<'a>(&'a self, id: &'a ApplicantId, name: &'a str) -> VerifyFuture<'a> {
        Box::pin(async move {
            Ok(match self.register.get(id.as_str()) {
                Some(known) if known == name.trim() => Verification::Verified,
                _ => Verification::Mismatch,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_development_provider_accepts_only_names_of_its_register() {
        let zhang = ApplicantId::parse("11010519491231002X").unwrap();
        let other = ApplicantId::Person(yici_core::id::CitizenId::with_check("11010119900307051").unwrap());
        let dev = DevIdentityProvider::new([(&zhang, "张三")]);
        assert_eq!(dev.verify(&zhang, "张三").await, Ok(Verification::Verified));
        assert_eq!(dev.verify(&zhang, " 张三 ").await, Ok(Verification::Verified));
        assert_eq!(dev.verify(&zhang, "李四").await, Ok(Verification::Mismatch));
        assert_eq!(dev.verify(&other, "张三").await, Ok(Verification::Mismatch));
    }
}
