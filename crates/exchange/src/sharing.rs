//! 共享申请 — sharing requests and grants: consumers apply, providers answer within the
//! working-day limit, operators coordinate escalated requests, everyone involved sees who holds
//! what; notifications for each party; the deadline job reminds and escalates.

use crate::ExchangeState;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use yici_core::audit::Action;
use yici_core::authz::{Permission, Principal, Target};
use yici_core::catalogue::ShareType;
use yici_core::masking::MaskingProfile;
use yici_core::sharing::{
    DEFAULT_ANSWER_DAYS, Decision, Grant, RequestDraft, RequestStatus, after_decision, answer_deadline, initial_status,
};
use yici_service::{Caller, Error, FieldError, Result};
use yici_store::Page;
use yici_store::sharing::{Notification, RequestFilter, SharingRequest};

/// Lookups a new grant allows per day unless the decision sets another quota.
pub const DEFAULT_DAILY_QUOTA: i64 = 10_000;

/// A request as shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    pub id: i64,
    pub provider_department_id: i64,
    /// `pending`, `granted`, `partially_granted`, `escalated`, `refused` or `cancelled`.
    #[schema(value_type = String)]
    pub status: RequestStatus,
    pub status_name: String,
    pub deadline: chrono::NaiveDate,
    pub decision_note: String,
    pub request: RequestDraft,
}

impl From<SharingRequest> for RequestView {
    fn from(r: SharingRequest) -> Self {
        RequestView {
            id: r.id,
            provider_department_id: r.provider_department_id,
            status: r.status,
            status_name: r.status.name(yici_service::context::current_lang()).to_string(),
            deadline: r.deadline,
            decision_note: r.decision_note,
            request: r.request,
        }
    }
}

async fn department_target(state: &ExchangeState, id: i64, field: &str) -> Result<Target> {
    let d = state
        .store
        .department(id)
        .await?
        .ok_or_else(|| Error::field(field, "部门不存在", "No such department"))?;
    Ok(d.target())
}

/// The grant issued for `items` of a request.
fn grant_for(r: &RequestDraft, items: Vec<String>, quota: Option<i64>, masking: MaskingProfile) -> Grant {
    Grant {
        id: 0,
        system_id: r.system_id,
        resource_id: r.resource_id,
        items,
        purpose: r.purpose.clone(),
        valid_from: r.valid_from,
        valid_until: r.valid_until,
        daily_quota: quota.unwrap_or(DEFAULT_DAILY_QUOTA),
        masking,
        revoked: false,
    }
}

/// File a request (stewards of the consumer department, for one of its systems).
pub async fn create(state: &ExchangeState, auth: &Caller, r: RequestDraft) -> Result<RequestView> {
    auth.require(Permission::RequestSharing, &Target::OwnScope)?;
    auth.require(
        Permission::RequestSharing,
        &department_target(state, r.consumer_department_id, "consumer_department_id").await?,
    )?;
    let system = state.store.system(r.system_id).await?;
    if system.is_none_or(|s| s.department_id != r.consumer_department_id) {
        return Err(Error::field(
            "system_id",
            "应用系统不属于申请部门",
            "The system does not belong to the requesting department",
        ));
    }
    let (resource, published) = state.store.catalogue_published(r.resource_id).await?.ok_or_else(|| {
        Error::field(
            "resource_id",
            "目录中没有该资源（未发布或已撤销）",
            "No such published resource",
        )
    })?;
    if resource.department_id == r.consumer_department_id {
        return Err(Error::field(
            "resource_id",
            "不能申请本部门的资源",
            "A department does not request its own resource",
        ));
    }
    let today = state.config.clock.today();
    let problems = r.problems(&published.draft, today);
    if !problems.is_empty() {
        return Err(Error::validation(
            problems
                .into_iter()
                .map(|p| FieldError::new(&p.field, p.zh, p.en))
                .collect(),
        ));
    }
    let share = ShareType::from_code(published.draft.share_type).unwrap_or(ShareType::NotShared);
    let status = initial_status(share);
    let cal = state.store.working_calendar().await?;
    let deadline = answer_deadline(&cal, today, DEFAULT_ANSWER_DAYS)?;
    let grant =
        (status == RequestStatus::Granted).then(|| grant_for(&r, r.items.clone(), None, MaskingProfile::Standard));
    let created = state
        .store
        .sharing_request_create(
            &r,
            resource.department_id,
            status,
            deadline,
            grant.as_ref(),
            &auth.event(Action::SharingRequest, "sharing_request"),
        )
        .await?;
    Ok(created.into())
}

fn own_department(auth: &Caller) -> Result<i64> {
    auth.user.as_ref().and_then(|u| u.department_id).ok_or_else(|| {
        Error::field(
            "view",
            "您的账号不属于具体部门",
            "Your account belongs to no department",
        )
    })
}

/// Requests for my part, by `view`: `incoming` (addressed to my department, the default),
/// `outgoing` (filed by it) or `escalated` (operators' coordination queue).
pub async fn list(state: &ExchangeState, auth: &Caller, view: Option<&str>, page: Page) -> Result<Vec<RequestView>> {
    auth.require(Permission::ReadSharing, &Target::OwnScope)?;
    let filter = match view.unwrap_or("incoming") {
        "escalated" => {
            auth.require(Permission::CoordinateSharing, &Target::OwnScope)?;
            RequestFilter {
                status: Some(RequestStatus::Escalated),
                ..Default::default()
            }
        }
        "outgoing" => RequestFilter {
            consumer_department_id: Some(own_department(auth)?),
            ..Default::default()
        },
        "incoming" => RequestFilter {
            provider_department_id: Some(own_department(auth)?),
            ..Default::default()
        },
        other => {
            return Err(Error::field(
                "view",
                format!("未知视图“{other}”"),
                format!("unknown view '{other}'"),
            ));
        }
    };
    // Escalations are an operator's to see for the providers their scope covers.
    let found = if filter.status == Some(RequestStatus::Escalated) {
        let all = state.store.sharing_requests(&filter, yici_store::Page::all()).await?;
        auth.keep_within(&state.store, Permission::CoordinateSharing, all, |r| {
            vec![r.provider_department_id]
        })
        .await?
        .into_iter()
        .skip(page.offset as usize)
        .take(page.limit as usize)
        .collect()
    } else {
        state.store.sharing_requests(&filter, page).await?
    };
    Ok(found.into_iter().map(RequestView::from).collect())
}

/// One request with the names people read: who asks (department and system), what for, on
/// which legal basis, and from whom.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestDetail {
    #[serde(flatten)]
    pub view: RequestView,
    pub resource_name: String,
    pub provider_department_name: String,
    pub consumer_department_name: String,
    pub system_name: String,
    /// Whether the reader may answer it now (its provider's steward while pending, an operator
    /// once escalated).
    pub answerable: bool,
}

/// One request, for the departments on either side and the operators whose scope covers the
/// provider.
pub async fn get(state: &ExchangeState, auth: &Caller, id: i64) -> Result<RequestDetail> {
    auth.require(Permission::ReadSharing, &Target::OwnScope)?;
    let r = state
        .store
        .sharing_request(id)
        .await?
        .ok_or_else(|| Error::not_found("共享申请", "sharing request"))?;
    let provider = state
        .store
        .department(r.provider_department_id)
        .await?
        .ok_or_else(|| Error::not_found("部门", "department"))?;
    let consumer = state.store.department(r.request.consumer_department_id).await?;
    let sees = |t: &Target| auth.require(Permission::ReadSharing, t).is_ok();
    let coordinates = auth.require(Permission::CoordinateSharing, &provider.target()).is_ok();
    if !(sees(&provider.target()) || consumer.as_ref().is_some_and(|c| sees(&c.target())) || coordinates) {
        // Whether a request exists is not for others to learn.
        return Err(Error::not_found("共享申请", "sharing request"));
    }
    let answerable = match r.status {
        RequestStatus::Pending => auth.require(Permission::AnswerSharing, &provider.target()).is_ok(),
        RequestStatus::Escalated => coordinates,
        _ => false,
    };
    let resource_name = state
        .store
        .catalogue_resource(r.request.resource_id)
        .await?
        .map(|x| x.draft.name)
        .unwrap_or_default();
    let system_name = state
        .store
        .system(r.request.system_id)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    Ok(RequestDetail {
        resource_name,
        provider_department_name: provider.name,
        consumer_department_name: consumer.map(|c| c.name).unwrap_or_default(),
        system_name,
        answerable,
        view: r.into(),
    })
}

/// A decision with the grant's terms.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    #[serde(flatten)]
    pub decision: Decision,
    /// Lookups per day for the grant (default 10,000).
    pub daily_quota: Option<i64>,
    /// `strict` (default), `standard` or `none`.
    pub masking: Option<String>,
}

/// Answer a request: its provider's stewards while pending, operators once escalated.
pub async fn decide(state: &ExchangeState, auth: &Caller, id: i64, input: DecisionInput) -> Result<RequestView> {
    // Nobody learns whether a request exists before showing they may deal with requests.
    auth.require(Permission::ReadSharing, &Target::OwnScope)?;
    let current = state
        .store
        .sharing_request(id)
        .await?
        .ok_or_else(|| Error::not_found("共享申请", "sharing request"))?;
    let by_operator = current.status == RequestStatus::Escalated;
    let provider = department_target(state, current.provider_department_id, "id").await?;
    if by_operator {
        auth.require(Permission::CoordinateSharing, &provider)?;
    } else {
        auth.require(Permission::AnswerSharing, &provider)?;
    }
    let masking = match input.masking.as_deref() {
        None => MaskingProfile::Strict,
        Some(m) => MaskingProfile::from_code(m).ok_or_else(|| {
            Error::field(
                "masking",
                "脱敏规则应为 strict、standard 或 none",
                "masking must be strict, standard or none",
            )
        })?,
    };
    if let Decision::Refuse { reasons } = &input.decision
        && !reasons.trim().is_empty()
    {
        yici_core::text::check("reasons", reasons, 500, true).map_err(|p| Error::field("reasons", p.zh, p.en))?;
    }
    if input.daily_quota.is_some_and(|q| !(1..=10_000_000).contains(&q)) {
        return Err(Error::field(
            "daily_quota",
            "每日调用上限应为1至10000000",
            "daily_quota must be 1 to 10,000,000",
        ));
    }
    let next = after_decision(current.status, by_operator, &input.decision, &current.request.items).ok_or_else(
        || match &input.decision {
            Decision::Refuse { reasons } if reasons.trim().is_empty() => {
                Error::field("reasons", "拒绝时必须说明理由", "A refusal needs its reasons")
            }
            Decision::Approve { items }
                if items.is_empty() || items.iter().any(|i| !current.request.items.contains(i)) =>
            {
                Error::field(
                    "items",
                    "只能授权申请中的信息项，且至少一项",
                    "Grant at least one of the items asked for, and only those",
                )
            }
            _ => Error::conflict(
                format!("申请当前为“{}”，不能再作决定", current.status.name(yici_core::Lang::Zh)),
                format!(
                    "The request is {}; no decision can be taken now",
                    current.status.name(yici_core::Lang::En)
                ),
            ),
        },
    )?;
    let (grant, note) = match &input.decision {
        Decision::Approve { items } => (
            Some(grant_for(&current.request, items.clone(), input.daily_quota, masking)),
            String::new(),
        ),
        Decision::Refuse { reasons } => (None, reasons.clone()),
    };
    let action = if by_operator {
        Action::SharingCoordinate
    } else {
        Action::SharingDecide
    };
    let r = state
        .store
        .sharing_request_decide(
            id,
            current.status,
            next,
            &note,
            grant.as_ref(),
            &auth.event(action, "sharing_request"),
        )
        .await?;
    Ok(r.into())
}

/// Who holds what: the grants, optionally of one resource, cut to the reader's scope.
pub async fn grants(state: &ExchangeState, auth: &Caller, resource: Option<i64>, page: Page) -> Result<Vec<Grant>> {
    auth.require(Permission::ReadSharing, &Target::OwnScope)?;
    // A reader scoped to part of the platform sees the grants its departments give or hold.
    let grants = match auth.departments_within(&state.store, Permission::ReadSharing).await? {
        None => state.store.grants(resource, page).await?,
        Some(within) => {
            // Grants repeat resources and systems: each is looked up once.
            let (mut providers, mut consumers) = (HashMap::new(), HashMap::new());
            let mut mine = Vec::new();
            for g in state.store.grants(resource, Page::all()).await? {
                if let std::collections::hash_map::Entry::Vacant(slot) = providers.entry(g.resource_id) {
                    slot.insert(
                        state
                            .store
                            .catalogue_resource(g.resource_id)
                            .await?
                            .map(|r| r.department_id),
                    );
                }
                if let std::collections::hash_map::Entry::Vacant(slot) = consumers.entry(g.system_id) {
                    slot.insert(state.store.system(g.system_id).await?.map(|s| s.department_id));
                }
                if [providers[&g.resource_id], consumers[&g.system_id]]
                    .iter()
                    .flatten()
                    .any(|d| within.contains(d))
                {
                    mine.push(g);
                }
            }
            mine.into_iter()
                .skip(page.offset as usize)
                .take(page.limit as usize)
                .collect()
        }
    };
    Ok(grants)
}

/// Revoke a grant: operators, or stewards of the providing department.
pub async fn revoke(state: &ExchangeState, auth: &Caller, id: i64) -> Result<Grant> {
    auth.require(Permission::ReadSharing, &Target::OwnScope)?;
    let g = state
        .store
        .grant(id)
        .await?
        .ok_or_else(|| Error::not_found("授权", "grant"))?;
    // The grant belongs to the providing department: its stewards, or an operator whose
    // scope covers it, may revoke it.
    let resource = state
        .store
        .catalogue_resource(g.resource_id)
        .await?
        .ok_or_else(|| Error::not_found("数据资源", "resource"))?;
    let provider = department_target(state, resource.department_id, "id").await?;
    if auth.require(Permission::CoordinateSharing, &provider).is_err() {
        auth.require(Permission::AnswerSharing, &provider)?;
    }
    Ok(state
        .store
        .grant_revoke(id, &auth.event(Action::GrantRevoke, "grant"))
        .await?)
}

/// My department's notifications, newest first.
pub async fn notifications(state: &ExchangeState, auth: &Caller, page: Page) -> Result<Vec<Notification>> {
    auth.require(Permission::ReadSharing, &Target::OwnScope)?;
    let dept = match &auth.principal {
        Principal::User { .. } => own_department(auth)?,
        _ => return Err(Error::unauthenticated()),
    };
    Ok(state.store.notifications(dept, page).await?)
}

/// Remind providers of requests due within two working days (once), and escalate requests whose
/// answer period has passed. Returns (reminded, escalated).
pub async fn enforce_deadlines(state: &ExchangeState, today: chrono::NaiveDate) -> Result<(usize, usize)> {
    let cal = state.store.working_calendar().await?;
    let soon = cal.add_working_days(today, yici_core::sharing::REMIND_DAYS as u32)?;
    let mut reminded = 0;
    for r in state.store.sharing_requests_due(soon).await? {
        if r.deadline >= today
            && state
                .store
                .sharing_request_remind(r.id, &format!("共享申请将于{}到期，请及时答复", r.deadline))
                .await?
        {
            reminded += 1;
        }
    }
    let mut escalated = 0;
    let yesterday = today.pred_opt().unwrap_or(today);
    for r in state.store.sharing_requests_due(yesterday).await? {
        let event = yici_service::context::request_event(
            state.config.clock.now_micros(),
            yici_core::audit::Actor::platform(yici_core::audit::PlatformActor::Deadlines),
            Action::SharingEscalate,
            "sharing_request",
        );
        match state
            .store
            .sharing_request_decide(
                r.id,
                RequestStatus::Pending,
                RequestStatus::Escalated,
                "提供部门逾期未答复",
                None,
                &event,
            )
            .await
        {
            Ok(_) => escalated += 1,
            Err(yici_store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok((reminded, escalated))
}

/// What waits for the reader on the home page: requests to answer (with the nearest deadline),
/// requests to coordinate, and this week's notifications.
pub async fn home(state: &ExchangeState, auth: &Caller) -> Result<Vec<yici_web::home::Tile>> {
    use yici_web::home::Tile;
    let lang = yici_service::context::current_lang();
    let mut tiles = Vec::new();
    let department = auth.user.as_ref().and_then(|u| u.department_id);
    if let Some(dept) = department.filter(|_| auth.require(Permission::AnswerSharing, &Target::OwnScope).is_ok()) {
        let filter = RequestFilter {
            provider_department_id: Some(dept),
            status: Some(RequestStatus::Pending),
            ..Default::default()
        };
        let pending = state.store.sharing_requests(&filter, Page::all()).await?;
        let mut tile = Tile::new(
            lang.pick("待答复的共享申请", "Sharing requests to answer"),
            pending.len() as i64,
            "/sharing/requests?view=incoming",
        );
        if let Some(first) = pending.iter().map(|r| r.deadline).min() {
            let day = yici_web::page::format_day(first, lang);
            tile = tile.note(match lang {
                yici_core::Lang::Zh => format!("最早 {day} 到期"),
                yici_core::Lang::En => format!("first due {day}"),
            });
        }
        tiles.push(tile);
    }
    if auth.require(Permission::CoordinateSharing, &Target::OwnScope).is_ok() {
        let escalated = list(state, auth, Some("escalated"), Page::all()).await?;
        tiles.push(Tile::new(
            lang.pick("待协调的共享申请", "Sharing requests to coordinate"),
            escalated.len() as i64,
            "/sharing/requests?view=escalated",
        ));
    }
    if let Some(dept) = department.filter(|_| auth.require(Permission::ReadSharing, &Target::OwnScope).is_ok()) {
        let week_ago = state.config.clock.now_micros() - 7 * 24 * 3600 * 1_000_000;
        let recent = state
            .store
            .notifications(dept, Page::new(Some(200), None))
            .await?
            .into_iter()
            .filter(|n| n.created_at >= week_ago)
            .count();
        tiles.push(Tile::new(
            lang.pick("近7天的消息", "Messages this week"),
            recent as i64,
            "/notifications",
        ));
    }
    Ok(tiles)
}
