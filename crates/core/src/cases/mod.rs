//! 办件 — the cases of the one window (WINDOW.md): the case number, the states of a case and the
//! steps that move it, material lines and how each was satisfied, tasks of parallel approval
//! with their signing rule, and the one-time notice rule (一次性告知).
//!
//! Every rule is a plain function here; the store applies a step in one transaction with its
//! timeline entry, audit entry and outbox event, and refuses a step from the wrong state.

mod number;

pub use number::{CaseNo, MAX_SERIAL};

use crate::Lang;
use crate::catalogue::FieldProblem;
use crate::items::Signing;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($v:ident = $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The stable code (as stored and in the API).
            pub fn code(self) -> &'static str { match self { $($name::$v => $code),+ } }
            pub fn from_code(s: &str) -> Option<Self> { match s { $($code => Some($name::$v),)+ _ => None } }
            pub fn name(self, lang: Lang) -> &'static str { match self { $($name::$v => lang.pick($zh, $en)),+ } }
        }
    };
}

named_enum!(
    /// Where a case stands.
    CaseStatus {
        Draft = "draft", "草稿", "draft";
        Received = "received", "已收件", "received";
        Supplementing = "supplementing", "补正中", "awaiting supplements";
        Processing = "processing", "办理中", "being processed";
        Approved = "approved", "准予许可", "approved";
        Refused = "refused", "不予许可", "refused";
        NotAccepted = "not_accepted", "不予受理", "not accepted";
        Delivered = "delivered", "已送达", "delivered";
        Evaluated = "evaluated", "已评价", "rated";
        Withdrawn = "withdrawn", "已撤回", "withdrawn";
        Void = "void", "已作废", "void";
    }
);

impl CaseStatus {
    /// Whether the case is over: nothing more is decided on it.
    pub fn closed(self) -> bool {
        matches!(
            self,
            CaseStatus::NotAccepted
                | CaseStatus::Delivered
                | CaseStatus::Evaluated
                | CaseStatus::Withdrawn
                | CaseStatus::Void
        )
    }

    /// Whether a decision was reached (approved or refused), delivered or not.
    pub fn concluded(self) -> bool {
        matches!(
            self,
            CaseStatus::Approved | CaseStatus::Refused | CaseStatus::Delivered | CaseStatus::Evaluated
        )
    }
}

named_enum!(
    /// The steps that move a case, and who takes them (WINDOW.md).
    CaseStep {
        Submit = "submit", "提交申请", "submit";
        Accept = "accept", "受理", "accept";
        NotAccept = "not_accept", "不予受理", "not accept";
        Notice = "notice", "一次性告知补正", "ask for supplements";
        Supply = "supply", "补正材料", "supply";
        Approve = "approve", "办结（准予）", "conclude: approved";
        Refuse = "refuse", "办结（不予）", "conclude: refused";
        Deliver = "deliver", "送达", "deliver";
        Rate = "rate", "评价", "rate";
        Withdraw = "withdraw", "撤回申请", "withdraw";
        Void = "void", "作废", "void";
    }
);

impl CaseStep {
    /// The state after this step from `from`, or `None` when `from` does not allow it.
    pub fn after(self, from: CaseStatus) -> Option<CaseStatus> {
        use CaseStatus as S;
        use CaseStep as T;
        Some(match (self, from) {
            (T::Submit, S::Draft) => S::Received,
            (T::Accept, S::Received) => S::Processing,
            (T::NotAccept, S::Received) => S::NotAccepted,
            (T::Notice, S::Received) => S::Supplementing,
            (T::Supply, S::Supplementing) => S::Received,
            // 即办件 conclude on the spot, from received.
            (T::Approve, S::Processing | S::Received) => S::Approved,
            (T::Refuse, S::Processing) => S::Refused,
            (T::Deliver, S::Approved | S::Refused) => S::Delivered,
            (T::Rate, S::Delivered) => S::Evaluated,
            (T::Withdraw, S::Draft | S::Received | S::Supplementing | S::Processing) => S::Withdrawn,
            (T::Void, s) if s != S::Void => S::Void,
            _ => return None,
        })
    }

    /// The name of the outbox event of this step: `case.<step>`.
    pub fn event(self) -> String {
        format!("case.{}", self.code())
    }
}

named_enum!(
    /// The timeline's entries that are not steps of the case's state (WINDOW.md): each is
    /// written with the case's status at the time, so that whatever reads the feed (the
    /// supervision facts, a subscriber) sees every change of a case.
    CaseNote {
        Decide = "decide", "审批意见", "approval opinion";
        Special = "special", "特别程序（暂停计时）", "special procedure (clock paused)";
        Resume = "resume", "恢复计时", "clock resumed";
        Extend = "extend", "延长办理时限", "time limit extended";
        Consent = "consent", "同意共享获取材料", "consented to fetching";
        Fetch = "fetch", "共享获取材料", "materials fetched";
        Visit = "visit", "到窗口", "visit to a window";
    }
);

named_enum!(
    /// Where an evaluation (好差评) was given (国办发〔2019〕51号).
    EvaluationChannel {
        Web = "web", "网上评价", "web";
        App = "app", "移动端评价", "app";
        Qr = "qr", "窗口二维码评价", "QR code at the window";
        Counter = "counter", "窗口评价器", "counter device";
        Hotline = "hotline", "12345热线", "12345 hotline";
    }
);

/// The five levels of an evaluation, best first: 5 非常满意 … 1 非常不满意.
pub const EVALUATION_LEVELS: [(i64, &str, &str); 5] = [
    (5, "非常满意", "very satisfied"),
    (4, "满意", "satisfied"),
    (3, "基本满意", "fairly satisfied"),
    (2, "不满意", "dissatisfied"),
    (1, "非常不满意", "very dissatisfied"),
];

/// The name of an evaluation level, if it is one.
pub fn evaluation_level_name(level: i64, lang: Lang) -> Option<&'static str> {
    EVALUATION_LEVELS
        .iter()
        .find(|(l, ..)| *l == level)
        .map(|(_, zh, en)| lang.pick(zh, en))
}

/// Whether a level is a bad review (差评: 1 or 2), which opens a rectification (整改).
pub fn is_bad_review(level: i64) -> bool {
    matches!(level, 1 | 2)
}

/// The working days each step of a rectification has, counted from the review: verification
/// (核实), rectification (整改) and the reply to the applicant (反馈), and the return visit (回访).
pub const RECTIFICATION_DAYS: [(&str, u32); 4] = [("verify", 3), ("rectify", 15), ("reply", 15), ("revisit", 20)];

named_enum!(
    /// What a party is to the case.
    PartyRole {
        Applicant = "applicant", "申请人", "applicant";
        CoApplicant = "co_applicant", "共同申请人", "co-applicant";
        Agent = "agent", "代理人", "agent";
    }
);

named_enum!(
    /// How a material line was satisfied.
    LineState {
        Fetched = "fetched", "已共享获取", "fetched";
        Uploaded = "uploaded", "已上传", "uploaded";
        Deferred = "deferred", "容缺后补", "deferred";
        Missing = "missing", "待提交", "missing";
    }
);

named_enum!(
    /// Where a task stands.
    TaskStatus {
        Waiting = "waiting", "待开始", "waiting";
        Open = "open", "办理中", "open";
        Approved = "approved", "已同意", "approved";
        Refused = "refused", "不同意", "refused";
        Closed = "closed", "已关闭", "closed";
    }
);

named_enum!(
    /// How a visit came about.
    VisitReason {
        Submit = "submit", "现场提交申请", "applied at the window";
        Supplement = "supplement", "现场补正材料", "brought supplements";
        Verify = "verify", "现场核验", "on-site verification";
        Collect = "collect", "窗口领取结果", "collected the result";
        Other = "other", "其他", "other";
    }
);

named_enum!(
    /// How the result reaches the applicant.
    DeliveryMode {
        Electronic = "electronic", "电子送达", "electronically";
        Mail = "mail", "邮寄送达", "by mail";
        Window = "window", "窗口领取", "collected at a window";
    }
);

/// The decision of one task so far, by its signing rule: `Some(true)` approved, `Some(false)`
/// refused, `None` still waiting. 或签: the first approval decides; 会签: every assignee must
/// approve. Any refusal refuses.
pub fn task_outcome(signing: Signing, assignees: &[i64], approvals: &[i64], refusals: &[i64]) -> Option<bool> {
    if !refusals.is_empty() {
        return Some(false);
    }
    match signing {
        Signing::Any => (!approvals.is_empty()).then_some(true),
        Signing::All => {
            let wanted: BTreeSet<&i64> = assignees.iter().collect();
            let given: BTreeSet<&i64> = approvals.iter().collect();
            (!wanted.is_empty() && wanted.is_subset(&given)).then_some(true)
        }
    }
}

/// What the stage machine does after a decision: every step of `stage` approved opens the next
/// stage; a required step refused ends the case as refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageOutcome {
    /// Steps are still open in this stage.
    Waiting,
    /// The stage is done: open stage `n`.
    Open(u32),
    /// Every stage is done: the case is approved.
    Approved,
    /// A required step refused: the case is refused.
    Refused,
}

/// One task as the stage machine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskState {
    pub stage: u32,
    pub required: bool,
    pub status: TaskStatus,
}

/// The next move of a case's tasks.
pub fn stage_outcome(tasks: &[TaskState]) -> StageOutcome {
    if tasks.iter().any(|t| t.required && t.status == TaskStatus::Refused) {
        return StageOutcome::Refused;
    }
    let Some(current) = tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Open)
        .map(|t| t.stage)
        .min()
    else {
        // Nothing open: the next waiting stage, or the end.
        return match tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Waiting)
            .map(|t| t.stage)
            .min()
        {
            Some(n) => StageOutcome::Open(n),
            None => StageOutcome::Approved,
        };
    };
    let open_required = tasks
        .iter()
        .any(|t| t.stage == current && t.status == TaskStatus::Open && t.required);
    if open_required {
        return StageOutcome::Waiting;
    }
    match tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Waiting && t.stage > current)
        .map(|t| t.stage)
        .min()
    {
        Some(n) => StageOutcome::Open(n),
        None => StageOutcome::Approved,
    }
}

/// The stage offsets of a bundle's items (一件事): an item that needs what another item of the
/// bundle produces starts after that item's last stage; the others start at once, in parallel.
/// `stages[i]` is the number of stages of item `i`, `needs[i]` the items whose result it waits
/// for. A need that would close a cycle is ignored (the items then work in parallel).
pub fn bundle_offsets(stages: &[u32], needs: &[Vec<usize>]) -> Vec<u32> {
    fn visit(
        i: usize,
        stages: &[u32],
        needs: &[Vec<usize>],
        on_path: &mut Vec<bool>,
        done: &mut Vec<Option<u32>>,
    ) -> u32 {
        if let Some(o) = done[i] {
            return o;
        }
        on_path[i] = true;
        let mut offset = 0;
        for &j in needs.get(i).map(Vec::as_slice).unwrap_or_default() {
            if j == i || j >= stages.len() || on_path[j] {
                continue;
            }
            let after = visit(j, stages, needs, on_path, done) + stages[j];
            offset = offset.max(after);
        }
        on_path[i] = false;
        done[i] = Some(offset);
        offset
    }
    let mut on_path = vec![false; stages.len()];
    let mut done = vec![None; stages.len()];
    (0..stages.len())
        .map(|i| visit(i, stages, needs, &mut on_path, &mut done))
        .collect()
}

/// The one-time notice rule (一次性告知): a later notice may name only lines of the first
/// notice still missing or defective, or lines supplied since and found defective. The lines
/// it may not name, in the order asked; empty means allowed. The first notice may name any line.
pub fn notice_beyond_first(first: Option<&[String]>, supplied_since: &[String], asked: &[String]) -> Vec<String> {
    let Some(first) = first else {
        return Vec::new();
    };
    asked
        .iter()
        .filter(|l| !first.contains(l) && !supplied_since.contains(l))
        .cloned()
        .collect()
}

/// A party's identity on a case: a resident identity number or a credit code, checked.
pub fn party_identifier(field: &str, value: &str) -> Result<String, FieldProblem> {
    let v = value.trim();
    if crate::id::CitizenId::parse(v).is_ok() || crate::id::Uscc::parse(v).is_ok() {
        Ok(v.to_string())
    } else {
        Err(FieldProblem::new(
            field,
            "应为有效的公民身份号码或统一社会信用代码",
            "must be a valid resident identity number or credit code",
        ))
    }
}

#[cfg(test)]
mod tests;
