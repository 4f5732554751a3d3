//! 共享申请与授权 — sharing requests and the grants they produce (国发〔2016〕51号).
//!
//! A consumer department asks, for one of its systems, for data items of a catalogue resource,
//! with a purpose (应用场景), a legal basis, the service items it serves and a validity period.
//! What happens depends on the resource's share type: unconditional resources are granted at
//! once; conditional ones wait for the provider, who must answer within a working-day limit
//! (10 by default) by approving some or all items or refusing with reasons; not-shared ones go to
//! the operator's coordination. Overdue and refused requests escalate to the operator, who
//! records a coordination decision.

use crate::Lang;
use crate::calendar::{CalendarError, WorkingCalendar};
use crate::catalogue::{DataItem, ResourceDraft, ShareType};
use crate::masking::{MaskingProfile, ValueKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The working-day limit for a provider's answer unless a region configures another.
pub const DEFAULT_ANSWER_DAYS: u32 = 10;
/// Reminders go out when this many working days or fewer are left.
pub const REMIND_DAYS: i64 = 2;
/// The longest validity a request may ask for.
pub const MAX_VALIDITY_DAYS: i64 = 3 * 366;

crate::catalogue::coded_enum!(
    /// Where a sharing request stands.
    RequestStatus {
        Pending = 1, "待提供部门答复", "awaiting the provider";
        Granted = 2, "已授权", "granted";
        PartiallyGranted = 3, "部分授权", "partially granted";
        Escalated = 4, "待协调", "escalated to the operator";
        Refused = 5, "不予共享（协调维持）", "refused after coordination";
        Cancelled = 6, "已撤回", "cancelled";
    }
);

/// A consumer's request, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestDraft {
    pub resource_id: i64,
    pub consumer_department_id: i64,
    pub system_id: i64,
    /// Names of the data items wanted.
    pub items: Vec<String>,
    /// 应用场景 — what the data is for.
    pub purpose: String,
    pub legal_basis: String,
    /// Codes of the service items (政务服务事项) it serves.
    #[serde(default)]
    pub service_items: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// A problem with one field, in both languages.
pub use crate::catalogue::FieldProblem;

impl RequestDraft {
    /// Check the request against the resource it asks for. Items that the resource does not
    /// have, or that are not shared, are named.
    pub fn problems(&self, resource: &ResourceDraft, today: NaiveDate) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        if self.items.is_empty() {
            p.push(FieldProblem::new(
                "items",
                "至少申请一个信息项",
                "ask for at least one data item",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, name) in self.items.iter().enumerate() {
            let field = format!("items[{i}]");
            if !seen.insert(name.as_str()) {
                p.push(FieldProblem::new(
                    field,
                    format!("信息项“{name}”重复"),
                    format!("data item '{name}' appears twice"),
                ));
                continue;
            }
            match resource.items.iter().find(|it| &it.name == name) {
                None => p.push(FieldProblem::new(
                    field,
                    format!("资源中没有信息项“{name}”"),
                    format!("the resource has no data item '{name}'"),
                )),
                Some(item)
                    if resource.item_share_type(item) == Some(ShareType::NotShared)
                        && resource.share_type != ShareType::NotShared.code() =>
                {
                    p.push(FieldProblem::new(
                        field,
                        format!("信息项“{name}”不予共享"),
                        format!("data item '{name}' is not shared"),
                    ))
                }
                _ => {}
            }
        }
        let n = self.purpose.trim().chars().count();
        if !(4..=500).contains(&n) {
            p.push(FieldProblem::new(
                "purpose",
                "请说明应用场景（4至500字）",
                "describe the purpose (4 to 500 characters)",
            ));
        }
        let n = self.legal_basis.trim().chars().count();
        if !(2..=500).contains(&n) {
            p.push(FieldProblem::new(
                "legal_basis",
                "请填写使用数据的法律依据（2至500字）",
                "give the legal basis (2 to 500 characters)",
            ));
        }
        for (field, v) in [("purpose", &self.purpose), ("legal_basis", &self.legal_basis)] {
            if crate::text::has_control(v) {
                p.push(FieldProblem::new(
                    field,
                    "不能包含控制字符",
                    "must not contain control characters",
                ));
            }
        }
        for (i, code) in self.service_items.iter().enumerate() {
            if let Err(e) = crate::text::check(&format!("service_items[{i}]"), code, 64, true) {
                p.push(e);
            }
        }
        if self.valid_until < self.valid_from {
            p.push(FieldProblem::new(
                "valid_until",
                "有效期结束早于开始",
                "the validity ends before it starts",
            ));
        } else if (self.valid_until - self.valid_from).num_days() > MAX_VALIDITY_DAYS {
            p.push(FieldProblem::new(
                "valid_until",
                "有效期不超过3年",
                "the validity may be at most three years",
            ));
        }
        if self.valid_until < today {
            p.push(FieldProblem::new(
                "valid_until",
                "有效期已过",
                "the validity is already over",
            ));
        }
        p
    }
}

/// The status a new request starts in, by the resource's share type.
pub fn initial_status(share_type: ShareType) -> RequestStatus {
    match share_type {
        ShareType::Unconditional => RequestStatus::Granted,
        ShareType::Conditional => RequestStatus::Pending,
        ShareType::NotShared => RequestStatus::Escalated,
    }
}

/// The last day of the provider's answer period for a request received on `received`.
pub fn answer_deadline(cal: &WorkingCalendar, received: NaiveDate, days: u32) -> Result<NaiveDate, CalendarError> {
    cal.add_working_days(received, days)
}

/// What the provider or the operator decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Decision {
    /// Grant these items (all or some of those asked for).
    Approve { items: Vec<String> },
    /// Refuse, with the reasons.
    Refuse { reasons: String },
}

/// The status after a decision on a request in `status`, or `None` if none may be taken now.
/// The provider decides on pending requests; the operator decides on escalated ones.
pub fn after_decision(
    status: RequestStatus,
    by_operator: bool,
    decision: &Decision,
    asked: &[String],
) -> Option<RequestStatus> {
    let allowed = match status {
        RequestStatus::Pending => !by_operator,
        RequestStatus::Escalated => by_operator,
        _ => false,
    };
    if !allowed {
        return None;
    }
    Some(match decision {
        Decision::Approve { items } if items.is_empty() || items.iter().any(|i| !asked.contains(i)) => return None,
        Decision::Approve { items } if items.len() == asked.len() => RequestStatus::Granted,
        Decision::Approve { .. } => RequestStatus::PartiallyGranted,
        // A provider's refusal goes to the operator; the operator's refusal is final.
        Decision::Refuse { reasons } if reasons.trim().is_empty() => return None,
        Decision::Refuse { .. } if by_operator => RequestStatus::Refused,
        Decision::Refuse { .. } => RequestStatus::Escalated,
    })
}

/// 授权 — what a system may read: items of a resource, for a purpose, until a date, up to a
/// daily quota, masked by a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    pub id: i64,
    pub system_id: i64,
    pub resource_id: i64,
    pub items: Vec<String>,
    pub purpose: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// Lookups allowed per day.
    pub daily_quota: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub masking: MaskingProfile,
    pub revoked: bool,
}

/// Why a grant does not allow a call; each says what is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantRefusal {
    NoGrant,
    Revoked,
    NotYetValid(NaiveDate),
    Expired(NaiveDate),
    ItemsNotGranted(Vec<String>),
}

impl GrantRefusal {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (GrantRefusal::NoGrant, Lang::Zh) => "本系统没有该资源的共享授权，请先提交共享申请".into(),
            (GrantRefusal::NoGrant, Lang::En) => {
                "this system holds no grant for the resource; file a sharing request".into()
            }
            (GrantRefusal::Revoked, Lang::Zh) => "共享授权已被撤销".into(),
            (GrantRefusal::Revoked, Lang::En) => "the grant has been revoked".into(),
            (GrantRefusal::NotYetValid(d), Lang::Zh) => format!("共享授权自{d}起生效"),
            (GrantRefusal::NotYetValid(d), Lang::En) => format!("the grant takes effect on {d}"),
            (GrantRefusal::Expired(d), Lang::Zh) => format!("共享授权已于{d}到期"),
            (GrantRefusal::Expired(d), Lang::En) => format!("the grant expired on {d}"),
            (GrantRefusal::ItemsNotGranted(items), Lang::Zh) => format!("未获授权的信息项：{}", items.join("、")),
            (GrantRefusal::ItemsNotGranted(items), Lang::En) => format!("data items not granted: {}", items.join(", ")),
        }
    }
}

impl Grant {
    /// Whether this grant allows reading `items` on `today`.
    pub fn permits(&self, today: NaiveDate, items: &[String]) -> Result<(), GrantRefusal> {
        if self.revoked {
            return Err(GrantRefusal::Revoked);
        }
        if today < self.valid_from {
            return Err(GrantRefusal::NotYetValid(self.valid_from));
        }
        if today > self.valid_until {
            return Err(GrantRefusal::Expired(self.valid_until));
        }
        let missing: Vec<String> = items.iter().filter(|i| !self.items.contains(i)).cloned().collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(GrantRefusal::ItemsNotGranted(missing))
        }
    }
}

/// One field of a row to release: its name, the kind masking treats it as, and whether its
/// values name data subjects (people or companies whose uses the audit log indexes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseField {
    pub name: String,
    pub kind: ValueKind,
    pub names_subject: bool,
}

impl ReleaseField {
    /// A data item of a catalogue resource, by the data-element registry's rule.
    pub fn of_item(item: &DataItem) -> Self {
        ReleaseField {
            name: item.name.clone(),
            kind: item.value_kind(),
            names_subject: item.names_subject(),
        }
    }
}

/// 按授权提供 — rows released under a grant. Every path that hands shared data to a consumer
/// (a lookup, a batch, the change feed, a pushed change, a certificate used under a grant) goes
/// through [`Release::row`]: only the granted fields leave, local codes become standard ones,
/// and the grant's masking applies.
#[derive(Debug, Clone)]
pub struct Release<'a> {
    grant: &'a Grant,
    fields: Vec<ReleaseField>,
}

impl<'a> Release<'a> {
    /// The release of a resource's rows: the items the grant names, in the resource's order.
    pub fn of_resource(grant: &'a Grant, draft: &ResourceDraft) -> Self {
        let fields = draft
            .items
            .iter()
            .filter(|i| grant.items.contains(&i.name))
            .map(ReleaseField::of_item)
            .collect();
        Release { grant, fields }
    }

    /// The release of rows with these fields (every field of a certificate, say).
    pub fn new(grant: &'a Grant, fields: Vec<ReleaseField>) -> Self {
        Release { grant, fields }
    }

    /// The names of the fields released, in order.
    pub fn items(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.name.clone()).collect()
    }

    /// Release one row: the fields present in `values`, each converted by `standard` (the
    /// provider's local code to the standard one, given the field and the value) and then
    /// masked. The data subjects the row names are added to `subjects`, in the clear: the audit
    /// log stores only their digests.
    pub fn row(
        &self,
        values: &BTreeMap<String, String>,
        standard: impl Fn(&str, &str) -> String,
        subjects: &mut Vec<String>,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for field in &self.fields {
            let Some(value) = values.get(&field.name) else {
                continue;
            };
            if field.names_subject {
                subjects.push(value.clone());
            }
            let value = standard(&field.name, value);
            out.insert(field.name.clone(), self.grant.masking.apply(field.kind, &value));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn request() -> RequestDraft {
        RequestDraft {
            resource_id: 1,
            consumer_department_id: 2,
            system_id: 3,
            items: vec!["姓名".into(), "公民身份号码".into()],
            purpose: "办理户籍迁入时核验身份".into(),
            legal_basis: "《户口登记条例》".into(),
            service_items: vec![],
            valid_from: d("2026-11-27"),
            valid_until: d("2027-11-26"),
        }
    }

    #[test]
    fn requests_name_unknown_and_unshared_items() {
        let mut resource = crate::catalogue::tests::draft();
        resource.items[1].share_type = Some(3);
        let mut r = request();
        r.items.push("照片".into());
        let fields: Vec<String> = r
            .problems(&resource, d("2026-11-27"))
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["items[1]", "items[2]"]);
        let mut r = request();
        r.items = vec!["姓名".into()];
        r.purpose = "用".into();
        r.valid_until = d("2030-12-31");
        let fields: Vec<String> = r
            .problems(&resource, d("2026-11-27"))
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["purpose", "valid_until"]);
    }

    #[test]
    fn share_type_decides_the_path_and_decisions_follow_it() {
        assert_eq!(initial_status(ShareType::Unconditional), RequestStatus::Granted);
        assert_eq!(initial_status(ShareType::Conditional), RequestStatus::Pending);
        assert_eq!(initial_status(ShareType::NotShared), RequestStatus::Escalated);
        let asked = vec!["姓名".to_string(), "公民身份号码".to_string()];
        let some = Decision::Approve {
            items: vec!["姓名".into()],
        };
        let refuse = Decision::Refuse {
            reasons: "涉及个人敏感信息".into(),
        };
        assert_eq!(
            after_decision(RequestStatus::Pending, false, &some, &asked),
            Some(RequestStatus::PartiallyGranted)
        );
        assert_eq!(
            after_decision(RequestStatus::Pending, false, &refuse, &asked),
            Some(RequestStatus::Escalated)
        );
        assert_eq!(
            after_decision(RequestStatus::Escalated, true, &refuse, &asked),
            Some(RequestStatus::Refused)
        );
        assert_eq!(
            after_decision(
                RequestStatus::Escalated,
                true,
                &Decision::Approve { items: asked.clone() },
                &asked
            ),
            Some(RequestStatus::Granted)
        );
        assert_eq!(
            after_decision(RequestStatus::Pending, true, &some, &asked),
            None,
            "operators coordinate escalated requests only"
        );
        assert_eq!(after_decision(RequestStatus::Granted, false, &some, &asked), None);
        let extra = Decision::Approve {
            items: vec!["照片".into()],
        };
        assert_eq!(
            after_decision(RequestStatus::Pending, false, &extra, &asked),
            None,
            "cannot grant what was not asked"
        );
        let silent = Decision::Refuse { reasons: " ".into() };
        assert_eq!(
            after_decision(RequestStatus::Pending, false, &silent, &asked),
            None,
            "a refusal needs reasons"
        );
    }

    #[test]
    fn ten_working_days_to_answer() {
        let cal = WorkingCalendar::shipped();
        assert_eq!(
            answer_deadline(&cal, d("2026-09-30"), DEFAULT_ANSWER_DAYS).unwrap(),
            d("2026-10-20")
        );
    }

    #[test]
    fn grants_permit_only_their_items_within_their_validity() {
        let g = Grant {
            id: 1,
            system_id: 3,
            resource_id: 1,
            items: vec!["姓名".into()],
            purpose: "核验".into(),
            valid_from: d("2026-01-01"),
            valid_until: d("2026-12-31"),
            daily_quota: 1000,
            masking: MaskingProfile::Strict,
            revoked: false,
        };
        assert_eq!(g.permits(d("2026-06-01"), &["姓名".into()]), Ok(()));
        assert_eq!(
            g.permits(d("2026-06-01"), &["姓名".into(), "住址".into()]),
            Err(GrantRefusal::ItemsNotGranted(vec!["住址".into()]))
        );
        assert_eq!(
            g.permits(d("2027-01-01"), &["姓名".into()]),
            Err(GrantRefusal::Expired(d("2026-12-31")))
        );
        assert!(matches!(
            g.permits(d("2025-12-31"), &[]),
            Err(GrantRefusal::NotYetValid(_))
        ));
        let revoked = Grant { revoked: true, ..g };
        assert_eq!(revoked.permits(d("2026-06-01"), &[]), Err(GrantRefusal::Revoked));
        assert!(
            GrantRefusal::ItemsNotGranted(vec!["住址".into()])
                .message(Lang::Zh)
                .contains("住址")
        );
    }

    #[test]
    fn a_released_row_holds_only_granted_items_mapped_and_masked() {
        let draft = crate::catalogue::tests::draft();
        let mut grant = Grant {
            id: 1,
            system_id: 2,
            resource_id: 3,
            items: vec!["姓名".into()],
            purpose: "核验".into(),
            valid_from: d("2026-01-01"),
            valid_until: d("2026-12-31"),
            daily_quota: 10,
            masking: MaskingProfile::None,
            revoked: false,
        };
        let values: BTreeMap<String, String> = [("姓名", "张三"), ("公民身份号码", "11010519491231002X")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let standard = |item: &str, v: &str| {
            if item == "姓名" {
                format!("{v}（标准）")
            } else {
                v.to_string()
            }
        };
        let mut subjects = Vec::new();
        let release = Release::of_resource(&grant, &draft);
        assert_eq!(release.items(), ["姓名"]);
        let row = release.row(&values, standard, &mut subjects);
        assert_eq!(row.len(), 1, "the ID number is not granted: {row:?}");
        assert_eq!(row["姓名"], "张三（标准）", "local codes become standard ones");
        assert!(subjects.is_empty(), "a name alone names no data subject");

        grant.items.push("公民身份号码".into());
        grant.masking = MaskingProfile::Strict;
        let row = Release::of_resource(&grant, &draft).row(&values, standard, &mut subjects);
        assert_eq!(row.len(), 2);
        assert_ne!(
            row["公民身份号码"], "11010519491231002X",
            "masked by the grant's profile"
        );
        assert_ne!(row["姓名"], "张三（标准）");
        assert_eq!(subjects, ["11010519491231002X"], "the subject is recorded in the clear");
    }
}
