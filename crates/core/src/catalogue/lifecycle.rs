//! The review lifecycle of a catalogue resource.
//!
//! draft → pending review → published; published → withdraw requested → withdrawn; each review
//! may reject with a reason. A published resource may be edited: its working copy goes back to
//! draft while the published version stays in force until the next approval.

use crate::Lang;
use serde::{Deserialize, Serialize};

super::coded_enum!(
    /// The state of a resource's working copy.
    Status {
        Draft = 1, "草稿", "draft";
        PendingReview = 2, "待审核", "pending review";
        Published = 3, "已发布", "published";
        WithdrawPending = 4, "撤销待审核", "withdrawal pending review";
        Withdrawn = 5, "已撤销", "withdrawn";
        Rejected = 6, "已退回", "rejected";
    }
);

/// What a steward or an operator does to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// Steward: change the working copy.
    Edit,
    /// Steward: send for review.
    Submit,
    /// Operator: approve publication or withdrawal.
    Approve,
    /// Operator: send back, with a reason.
    Reject,
    /// Steward: ask to withdraw a published resource.
    RequestWithdraw,
}

impl Transition {
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Transition::Edit => lang.pick("修改", "edit"),
            Transition::Submit => lang.pick("提交审核", "submit for review"),
            Transition::Approve => lang.pick("审核通过", "approve"),
            Transition::Reject => lang.pick("退回", "reject"),
            Transition::RequestWithdraw => lang.pick("申请撤销", "request withdrawal"),
        }
    }
}

impl Status {
    /// The state after `t`, or `None` when `t` is not allowed now.
    pub fn after(self, t: Transition) -> Option<Status> {
        use Status::*;
        use Transition::*;
        Some(match (self, t) {
            (Draft | Rejected | Published, Edit) => Draft,
            (Draft | Rejected, Submit) => PendingReview,
            (PendingReview, Approve) => Published,
            (PendingReview, Reject) => Rejected,
            (Published, RequestWithdraw) => WithdrawPending,
            (WithdrawPending, Approve) => Withdrawn,
            (WithdrawPending, Reject) => Published,
            _ => return None,
        })
    }

    /// Whether approving now publishes a new version (rather than withdrawing).
    pub fn approval_publishes(self) -> bool {
        self == Status::PendingReview
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;
    use Transition::*;

    #[test]
    fn the_review_path() {
        assert_eq!(Draft.after(Submit), Some(PendingReview));
        assert_eq!(PendingReview.after(Reject), Some(Rejected));
        assert_eq!(Rejected.after(Edit), Some(Draft));
        assert_eq!(Rejected.after(Submit), Some(PendingReview));
        assert_eq!(PendingReview.after(Approve), Some(Published));
        assert_eq!(Published.after(RequestWithdraw), Some(WithdrawPending));
        assert_eq!(WithdrawPending.after(Reject), Some(Published));
        assert_eq!(WithdrawPending.after(Approve), Some(Withdrawn));
    }

    #[test]
    fn out_of_order_steps_are_refused() {
        assert_eq!(Draft.after(Approve), None);
        assert_eq!(Published.after(Submit), None);
        assert_eq!(Withdrawn.after(Edit), None);
        assert_eq!(PendingReview.after(Edit), None);
        assert_eq!(Draft.after(RequestWithdraw), None);
    }
}
