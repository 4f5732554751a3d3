//! 审计日志 — what one entry of the tamper-evident log records, and its canonical encoding.
//!
//! "Whoever uses the data answers for it" (谁经手谁使用谁负责): every state change, every read of
//! personal or company data and every refused authorisation is one entry. An entry says who
//! (user, system, department), on whose behalf and about whom (the data subjects), what (action,
//! object type and ids), why (purpose, legal basis, case or grant), when, the outcome and the
//! request id.
//!
//! Data subjects (ID numbers, credit codes) never appear in the entry itself: the log stores
//! their keyed digests, so the log can be searched by subject and exported to third parties
//! without exposing anyone's number.

use serde::{Deserialize, Serialize};

mod action;
pub use action::{Action, action_name, object_kind_name};

/// The outcome of the recorded action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    /// Access was refused by the authorisation policy.
    Refused,
    Failed,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        [Outcome::Success, Outcome::Refused, Outcome::Failed]
            .into_iter()
            .find(|o| o.code() == code)
    }
    pub fn name(self, lang: crate::Lang) -> &'static str {
        match self {
            Outcome::Success => lang.pick("成功", "success"),
            Outcome::Refused => lang.pick("拒绝", "refused"),
            Outcome::Failed => lang.pick("失败", "failed"),
        }
    }
}

/// Who acted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// A readable label: `user:operator`, `system:3`, `applicant:12`, `cli`, `anonymous`.
    pub label: String,
    pub user_id: Option<i64>,
    pub system_id: Option<i64>,
    pub department_id: Option<i64>,
    pub applicant_id: Option<i64>,
}

impl Actor {
    pub fn named(label: &str) -> Self {
        Actor {
            label: label.to_string(),
            ..Default::default()
        }
    }

    /// A signed-in user (`user:operator`), with the department the user belongs to.
    pub fn user(id: i64, username: &str, department_id: Option<i64>) -> Self {
        Actor {
            label: format!("user:{username}"),
            user_id: Some(id),
            department_id,
            ..Default::default()
        }
    }

    /// A department's system calling with its token (`system:3`).
    pub fn department_system(id: i64, department_id: i64) -> Self {
        Actor {
            label: format!("system:{id}"),
            system_id: Some(id),
            department_id: Some(department_id),
            ..Default::default()
        }
    }

    /// The one window fetching, for a department's case, what the government holds about a
    /// party (`window:5`, the department's id); the person who applied or the clerk is named as
    /// the one it acted for.
    pub fn one_window(department_id: i64) -> Self {
        Actor {
            label: format!("window:{department_id}"),
            department_id: Some(department_id),
            ..Default::default()
        }
    }

    /// A citizen or company signed in (`applicant:12`).
    pub fn applicant(id: i64) -> Self {
        Actor {
            label: format!("applicant:{id}"),
            applicant_id: Some(id),
            ..Default::default()
        }
    }

    /// The platform itself, when no person or department system acts.
    pub fn platform(who: PlatformActor) -> Self {
        Actor::named(&match who {
            PlatformActor::Deadlines => "deadline".to_string(),
            PlatformActor::SealAuthority => "platform".to_string(),
            PlatformActor::Demo => "demo".to_string(),
            PlatformActor::Bench => "bench".to_string(),
            PlatformActor::CommandLine(user) => format!("cli:{user}"),
            PlatformActor::IdentityPlatform(provider) => format!("identity:{provider}"),
        })
    }
}

/// The platform's own actors: each is recorded under a fixed label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlatformActor {
    /// The deadline jobs: reminders, escalations, expiry (`deadline`).
    Deadlines,
    /// The seal authority setting itself up (`platform`).
    SealAuthority,
    /// The demo province being seeded (`demo`).
    Demo,
    /// A benchmark run (`bench`).
    Bench,
    /// A change made from the command line by this operating-system user (`cli:<user>`).
    CommandLine(String),
    /// An identity platform vouching for an applicant (`identity:<provider>`).
    IdentityPlatform(String),
}

/// One event to record, as the caller knows it (subjects in the clear).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// UTC microseconds.
    pub time: i64,
    pub actor: Actor,
    /// On whose behalf the actor acted (an applicant, a case), if not for itself.
    pub on_behalf_of: Option<String>,
    /// The people and organisations whose data this touched: ID numbers or credit codes.
    pub subjects: Vec<String>,
    /// What was done.
    pub action: Action,
    pub object_type: String,
    pub object_ids: Vec<String>,
    pub purpose: Option<String>,
    pub legal_basis: Option<String>,
    pub case_ref: Option<String>,
    pub grant_ref: Option<String>,
    pub outcome: Outcome,
    /// A short reason, for refusals and failures.
    pub detail: Option<String>,
    /// The server's own id of the request: the key the log is searched by.
    pub request_id: String,
    /// The id the caller sent in `X-Request-Id`, if any: kept as it said, never as the key.
    pub client_request_id: Option<String>,
}

impl AuditEvent {
    /// A successful action by `actor` on an object type; fill in the rest with the setters.
    pub fn new(time: i64, actor: Actor, action: Action, object_type: &str, request_id: &str) -> Self {
        AuditEvent {
            time,
            actor,
            on_behalf_of: None,
            subjects: Vec::new(),
            action,
            object_type: object_type.to_string(),
            object_ids: Vec::new(),
            purpose: None,
            legal_basis: None,
            case_ref: None,
            grant_ref: None,
            outcome: Outcome::Success,
            detail: None,
            request_id: request_id.to_string(),
            client_request_id: None,
        }
    }
    /// The caller's own request id (`X-Request-Id`), recorded beside the server's.
    pub fn client_request_id(mut self, id: Option<String>) -> Self {
        self.client_request_id = id;
        self
    }
    pub fn object(mut self, id: impl ToString) -> Self {
        self.object_ids.push(id.to_string());
        self
    }
    pub fn subject(mut self, s: impl Into<String>) -> Self {
        self.subjects.push(s.into());
        self
    }
    pub fn purpose(mut self, p: impl Into<String>) -> Self {
        self.purpose = Some(p.into());
        self
    }
    pub fn outcome(mut self, o: Outcome, detail: impl Into<String>) -> Self {
        self.outcome = o;
        self.detail = Some(detail.into());
        self
    }

    /// The entry as it enters the log, with each subject replaced by `digest(subject)`.
    pub fn content(&self, digest: impl Fn(&str) -> String) -> EntryContent {
        EntryContent {
            v: 1,
            time: self.time,
            actor: self.actor.clone(),
            on_behalf_of: self.on_behalf_of.clone(),
            subjects: self.subjects.iter().map(|s| digest(s)).collect(),
            action: self.action.code().to_string(),
            object_type: self.object_type.clone(),
            object_ids: self.object_ids.clone(),
            purpose: self.purpose.clone(),
            legal_basis: self.legal_basis.clone(),
            case_ref: self.case_ref.clone(),
            grant_ref: self.grant_ref.clone(),
            outcome: self.outcome,
            detail: self.detail.clone(),
            request_id: self.request_id.clone(),
            client_request_id: self.client_request_id.clone(),
        }
    }
}

/// The content of a log entry: the leaf data of the Merkle tree. Its canonical encoding is
/// compact JSON with the fields in this order, which `serde_json` reproduces exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryContent {
    pub v: u8,
    pub time: i64,
    pub actor: Actor,
    pub on_behalf_of: Option<String>,
    /// Keyed digests (HMAC-SM3, hex) of the data subjects.
    pub subjects: Vec<String>,
    pub action: String,
    pub object_type: String,
    pub object_ids: Vec<String>,
    pub purpose: Option<String>,
    pub legal_basis: Option<String>,
    pub case_ref: Option<String>,
    pub grant_ref: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
    pub request_id: String,
    /// Absent (not `null`) when the caller sent none, so entries written before the field
    /// existed keep their canonical bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_id: Option<String>,
}

impl EntryContent {
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("entry content serialises")
    }
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hides_subjects_and_is_canonical() {
        let e = AuditEvent::new(1, Actor::named("user:clerk"), Action::ApplicantRead, "applicant", "r1")
            .subject("11010519491231002X")
            .object(7)
            .purpose("窗口受理核验身份");
        let c = e.content(|s| format!("d({})", s.len()));
        let bytes = c.canonical();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.contains("11010519491231002X"));
        assert!(text.contains("d(18)"));
        assert_eq!(EntryContent::parse(&bytes).unwrap(), c);
        assert_eq!(
            EntryContent::parse(&bytes).unwrap().canonical(),
            bytes,
            "round trip is byte-exact"
        );
        assert!(text.starts_with("{\"v\":1,\"time\":1,"));
    }
}
