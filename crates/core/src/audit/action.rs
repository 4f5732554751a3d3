//! What an audit entry says was done: every action the platform records, with the stable code
//! that the log stores (`area.verb`) and the label people read.

use crate::Lang;

macro_rules! actions {
    ($($(#[$vm:meta])* $v:ident = $code:literal, $zh:literal, $en:literal;)+) => {
        /// 审计动作 — what was done.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($(#[$vm])* $v),+ }
        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$v),+];
            /// The stable code the log stores.
            pub fn code(self) -> &'static str { match self { $(Action::$v => $code),+ } }
            pub fn from_code(code: &str) -> Option<Self> { match code { $($code => Some(Action::$v),)+ _ => None } }
            /// What people read: `签发证照` for `certificate.issue`.
            pub fn name(self, lang: Lang) -> &'static str { match self { $(Action::$v => lang.pick($zh, $en)),+ } }
        }
    };
}

actions! {
    AccessRefuse = "access.refuse", "拒绝访问", "refused access";
    ApplicantRead = "applicant.read", "查询申请人信息", "looked up applicant data";
    ApplicantVerify = "applicant.verify", "实名核验登录", "signed in with real-name verification";
    AuditCheckpoint = "audit.checkpoint", "生成审计检查点", "made an audit checkpoint";
    CalendarSave = "calendar.save", "录入节假日安排", "saved a holiday schedule";
    CatalogueCreate = "catalogue.create", "编制目录", "drafted a catalogue resource";
    CatalogueEdit = "catalogue.edit", "修改目录", "edited a catalogue resource";
    CatalogueSubmit = "catalogue.submit", "提交审核", "submitted a resource for review";
    CatalogueApprove = "catalogue.approve", "审核通过并发布", "approved and published a resource";
    CatalogueReject = "catalogue.reject", "审核退回", "sent a resource back";
    CatalogueWithdraw = "catalogue.withdraw", "撤回目录", "withdrew a resource";
    CatalogueImport = "catalogue.import", "批量导入目录", "imported catalogue resources";
    ItemDefine = "item.define", "定义基本事项", "defined a basic service item";
    ItemImplement = "item.implement", "认领实施事项", "registered an implementation of an item";
    ItemEdit = "item.edit", "编辑事项实施清单", "edited a service item";
    ItemSubmit = "item.submit", "提交事项审核", "submitted a service item for review";
    ItemApprove = "item.approve", "审核通过并发布事项", "approved and published a service item";
    ItemReject = "item.reject", "退回事项", "sent a service item back";
    ItemWithdraw = "item.withdraw", "撤销事项", "withdrew a service item";
    BundleSave = "bundle.save", "编辑一件事", "saved a bundle (一件事)";
    CaseSubmit = "case.submit", "提交办件申请", "submitted an application";
    CaseAccept = "case.accept", "受理办件", "accepted an application";
    CaseNotAccept = "case.not_accept", "不予受理", "did not accept an application";
    CaseNotice = "case.notice", "一次性告知补正", "asked for supplements (one-time notice)";
    CaseSupply = "case.supply", "补正材料", "supplied materials";
    CaseUpload = "case.upload", "上传申请材料", "uploaded a material";
    CaseWithdraw = "case.withdraw", "撤回申请", "withdrew an application";
    CaseDecide = "case.decide", "审批办件", "decided a task of a case";
    CaseVisit = "case.visit", "记录到现场", "recorded a visit";
    CaseConsent = "case.consent", "同意为办件共享获取", "consented to fetching for a case";
    CaseFetch = "case.fetch", "为办件调取共享材料", "fetched held materials for a case";
    CaseStep = "case.step", "办件操作", "took a step on a case";
    CaseEvaluate = "case.evaluate", "评价办件（好差评）", "rated a case";
    EvaluationRectify = "evaluation.rectify", "差评整改", "took a step of a bad review's rectification";
    EvaluationMarkMalicious = "evaluation.mark_malicious", "认定恶意评价", "marked a review as malicious";
    AssessmentWeigh = "assessment.weigh", "调整考核权重", "set the weights of the assessment";
    AssessmentRun = "assessment.run", "开展考核排名", "ran an assessment";
    InspectionRecord = "inspection.record", "记录督察", "recorded an inspection";
    InspectionFollowUp = "inspection.follow_up", "督察跟踪整改", "recorded an inspection's follow-up";
    CertificateIssue = "certificate.issue", "签发证照", "issued a certificate";
    CertificateChange = "certificate.change", "变更证照", "changed a certificate";
    CertificateRenew = "certificate.renew", "延续换发证照", "renewed a certificate";
    CertificateSuspend = "certificate.suspend", "暂停使用证照", "suspended a certificate";
    CertificateResume = "certificate.resume", "恢复使用证照", "resumed a certificate";
    CertificateRevoke = "certificate.revoke", "撤销证照", "revoked a certificate";
    CertificateRevokePenalty = "certificate.revoke_penalty", "吊销证照", "revoked a certificate as a penalty";
    CertificateCancel = "certificate.cancel", "注销证照", "cancelled a certificate";
    CertificateList = "certificate.list", "查询证照列表", "listed certificates";
    CertificateRead = "certificate.read", "查看证照", "read a certificate";
    CertificateView = "certificate.view", "调阅证照", "viewed a certificate";
    CertificatePdf = "certificate.pdf", "下载证照文件", "downloaded a certificate document";
    CertificateUseCopy = "certificate.use_copy", "生成证照用证件", "made a use copy of a certificate";
    CertificateUseCopyPdf = "certificate.use_copy_pdf", "下载用证件", "downloaded a use copy";
    CertificateVerify = "certificate.verify", "核验证照", "verified a certificate";
    CertificateShow = "certificate.show", "亮证", "showed a certificate";
    CertificateShown = "certificate.shown", "查看亮证", "looked at a shown certificate";
    CertificateConsent = "certificate.consent", "授权使用证照", "consented to a certificate's use";
    CertificateConsentWithdraw = "certificate.consent_withdraw", "撤回证照授权", "withdrew a consent";
    CertificateConsentList = "certificate_consent.list", "查询证照授权", "listed consents";
    CertificateTypeSave = "certificate_type.save", "保存证照类型", "saved a certificate type";
    CertificateTypeLink = "certificate_type.link", "关联证照目录", "linked a certificate type to its resource";
    DatasetEndpoint = "dataset.endpoint", "设置数据接口", "set a provider endpoint";
    DatasetLoad = "dataset.load", "上传共享数据", "loaded data rows";
    DepartmentCreate = "department.create", "新增部门", "created a department";
    DepartmentUpdate = "department.update", "修改部门", "updated a department";
    ExchangeRead = "exchange.read", "共享交换查询", "looked up shared data";
    ExchangeChanges = "exchange.changes", "读取变更数据", "read shared data changes";
    ExchangeRefuse = "exchange.refuse", "拒绝共享查询", "refused a lookup";
    GrantIssue = "grant.issue", "授予共享权限", "granted access to a resource";
    GrantRevoke = "grant.revoke", "撤销共享权限", "revoked a grant";
    MappingSave = "mapping.save", "保存代码映射", "saved a code mapping";
    RegionSave = "region.save", "保存行政区划", "saved a region";
    RegionUpsert = "region.upsert", "导入行政区划", "loaded a region";
    RoleGrant = "role.grant", "授予角色", "granted a role";
    RoleRevoke = "role.revoke", "撤销角色", "removed a role";
    SealMake = "seal.make", "制作电子印章", "made an electronic seal";
    SealRevoke = "seal.revoke", "吊销电子印章", "revoked a seal";
    SealRemind = "seal.remind", "印章到期提醒", "reminded of a seal's expiry";
    SealAuthorityCreate = "seal_authority.create", "建立电子印章根证书", "created the seal authority";
    SessionSignIn = "session.sign_in", "登录", "signed in";
    SessionSignOut = "session.sign_out", "退出登录", "signed out";
    SessionLock = "session.lock", "密码错误过多，锁定登录", "locked sign-in after wrong passwords";
    SharingRequest = "sharing.request", "提出共享申请", "requested a resource";
    SharingDecide = "sharing.decide", "答复共享申请", "answered a sharing request";
    SharingEscalate = "sharing.escalate", "共享申请逾期上报", "escalated an overdue request";
    SharingCoordinate = "sharing.coordinate", "协调共享申请", "coordinated a sharing request";
    SystemCreate = "system.create", "登记应用系统", "registered a system";
    TokenIssue = "token.issue", "签发令牌", "issued a token";
    TokenRevoke = "token.revoke", "吊销令牌", "revoked a token";
    UserCreate = "user.create", "新增用户", "created a user";
    UserDisable = "user.disable", "停用账号", "disabled an account";
    UserEnable = "user.enable", "启用账号", "enabled an account";
    UserPassword = "user.password", "重设密码", "reset a password";
    WebhookAdd = "webhook.add", "订阅变更推送", "subscribed to changes";
}

impl Action {
    /// The action of a certificate lifecycle operation.
    pub fn of_operation(op: crate::certificate::Operation) -> Action {
        use crate::certificate::Operation::*;
        match op {
            Issue => Action::CertificateIssue,
            Change => Action::CertificateChange,
            Renew => Action::CertificateRenew,
            Suspend => Action::CertificateSuspend,
            Resume => Action::CertificateResume,
            Revoke => Action::CertificateRevoke,
            RevokePenalty => Action::CertificateRevokePenalty,
            Cancel => Action::CertificateCancel,
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The readable name of an action code as the log stores it; an unknown code is shown as it is.
pub fn action_name(code: &str, lang: Lang) -> String {
    Action::from_code(code).map_or_else(|| code.to_string(), |a| a.name(lang).to_string())
}

/// The kinds of object the log records an action on, with what people read.
const OBJECT_KINDS: &[(&str, &str, &str)] = &[
    ("applicant", "申请人", "applicant"),
    ("calendar_year", "年度节假日安排", "holiday schedule"),
    ("catalogue_resource", "数据资源", "catalogue resource"),
    ("certificate", "电子证照", "certificate"),
    ("certificate_consent", "证照授权", "certificate consent"),
    ("certificate_type", "证照类型", "certificate type"),
    ("certificate_use", "证照使用", "certificate use"),
    ("checkpoint", "审计检查点", "audit checkpoint"),
    ("csrf_token", "表单令牌", "form token"),
    ("department", "部门", "department"),
    ("field_mapping", "代码映射", "code mapping"),
    ("grant", "共享授权", "grant"),
    ("permission", "权限", "permission"),
    ("region", "行政区划", "region"),
    ("resource", "数据资源", "resource"),
    ("seal", "电子印章", "seal"),
    ("seal_authority", "印章根证书", "seal authority"),
    ("session", "登录会话", "session"),
    ("sharing_request", "共享申请", "sharing request"),
    ("system", "应用系统", "system"),
    ("system_token", "系统令牌", "system token"),
    ("user", "用户", "user"),
    ("user_role", "用户角色", "user role"),
    ("webhook", "变更推送订阅", "webhook"),
];

/// The readable name of an object kind as the log stores it; an unknown kind is shown as it is.
pub fn object_kind_name(code: &str, lang: Lang) -> String {
    OBJECT_KINDS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or_else(|| code.to_string(), |(_, zh, en)| lang.pick(zh, en).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_kinds_read_as_words_and_unknown_ones_as_they_are() {
        assert_eq!(object_kind_name("certificate_use", Lang::Zh), "证照使用");
        assert_eq!(object_kind_name("certificate_use", Lang::En), "certificate use");
        assert_eq!(object_kind_name("gadget", Lang::Zh), "gadget");
        let mut seen = std::collections::HashSet::new();
        assert!(OBJECT_KINDS.iter().all(|(c, _, _)| seen.insert(*c)), "each kind once");
    }

    #[test]
    fn every_action_has_one_code_and_reads_back() {
        let mut codes = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(codes.insert(a.code()), "{} twice", a.code());
            assert_eq!(Action::from_code(a.code()), Some(*a));
            let (area, verb) = a.code().split_once('.').expect("area.verb");
            assert!(!area.is_empty() && !verb.is_empty());
            assert_ne!(a.name(Lang::Zh), a.code(), "{} has a Chinese label", a.code());
        }
        assert_eq!(action_name("certificate.issue", Lang::Zh), "签发证照");
        assert_eq!(action_name("something.else", Lang::Zh), "something.else");
    }
}
