//! The site's furniture, on every page: who runs it (the sponsor), the government-website
//! identifier and the ICP record, the contact line (12345), the privacy notice, the terms of use
//! and the accessibility statement, and a banner whenever the site runs as a demo (the
//! development identity register is active). A deployment sets its own texts.

use crate::auth::Auth;
use crate::page::{Layout, render};
use askama::Template;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use yici_core::Lang;

/// What a deployment says about itself.
#[derive(Debug, Clone)]
pub struct Site {
    /// 主办单位.
    pub sponsor: String,
    /// 政府网站标识码 (empty until the site is registered).
    pub site_code: String,
    /// ICP 备案号 (empty when none).
    pub icp: String,
    /// Where people ask and complain.
    pub contact: String,
    /// The demo: the development identity register is active and the data is made up.
    pub demo: bool,
    /// The deployment's own privacy notice, terms and accessibility statement (paragraphs
    /// separated by blank lines); the platform's defaults otherwise.
    pub privacy: Option<String>,
    pub terms: Option<String>,
    pub accessibility: Option<String>,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            sponsor: "一次政务服务平台运营单位".into(),
            site_code: String::new(),
            icp: String::new(),
            contact: "12345 政务服务便民热线".into(),
            demo: false,
            privacy: None,
            terms: None,
            accessibility: None,
        }
    }
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    l: Layout,
    paragraphs: Vec<String>,
}

/// The notices the footer links to.
#[derive(Debug, Clone, Copy)]
enum Notice {
    Privacy,
    Terms,
    Accessibility,
    Developers,
}

impl Notice {
    fn title(self) -> (&'static str, &'static str) {
        match self {
            Notice::Privacy => ("隐私声明", "Privacy notice"),
            Notice::Terms => ("使用条款", "Terms of use"),
            Notice::Accessibility => ("无障碍声明", "Accessibility statement"),
            Notice::Developers => ("开发者说明", "For developers"),
        }
    }

    fn path(self) -> &'static str {
        match self {
            Notice::Privacy => "/privacy",
            Notice::Terms => "/terms",
            Notice::Accessibility => "/accessibility",
            Notice::Developers => "/developers",
        }
    }

    /// The platform's own text, when the deployment gives none.
    fn default_text(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Notice::Privacy, Lang::Zh) => {
                "本平台只为办理政务服务和法定职责使用个人信息，使用范围以共享授权、持证人授权和法律规定为限。\n\n\
                 每一次读取个人信息都记入防篡改的审计日志；您可在“谁用了我的数据”中查看谁在何时为何使用了您的数据，并核验记录未被改动。\n\n\
                 身份证件号码等个人信息在页面和对外提供时按规则脱敏；登录会话只保存在本平台，不用于其他目的。\n\n\
                 您可撤回对证照的授权，或通过下方联系方式提出查询、更正和投诉。"
            }
            (Notice::Privacy, Lang::En) => {
                "The platform uses personal data only to deliver government services and lawful duties, within the sharing grants, the holder's consent and the law.\n\n\
                 Every read of personal data is entered in a tamper-evident audit log; under \"Who used my data\" you see who used your data, when and why, and can check that the record was not changed.\n\n\
                 ID numbers and other personal data are masked on pages and when shared, by rule; sign-in sessions are kept by the platform for nothing else.\n\n\
                 You may withdraw a consent you gave, or ask, correct and complain through the contact below."
            }
            (Notice::Terms, Lang::Zh) => {
                "本平台提供政务数据共享、电子证照和政务服务办理。使用本平台须遵守法律法规，不得冒用他人身份、上传虚假材料或干扰平台运行。\n\n\
                 电子证照与纸质证照具有同等效力，以在线核验结果为准。通过接口接入的应用系统须按共享授权的用途、范围和期限使用数据。"
            }
            (Notice::Terms, Lang::En) => {
                "The platform offers government data sharing, electronic certificates and government services. Its use is bound by law: no one may use another person's identity, upload false materials or disturb the platform.\n\n\
                 Electronic certificates count as their paper versions; online verification decides. Systems calling the API use data only for the purpose, scope and period of their grant."
            }
            (Notice::Accessibility, Lang::Zh) => {
                "本平台按照《信息技术 互联网内容无障碍可访问性技术要求与测试方法》和工业和信息化部互联网应用适老化及无障碍改造要求建设：所有页面无需脚本即可使用，表单字段均有标签，支持键盘操作和读屏软件。\n\n\
                 点击页面顶部的“长辈版 / 无障碍”可放大字体、加大按钮、提高对比度并简化导航。\n\n\
                 如遇使用障碍，请通过下方联系方式告诉我们。"
            }
            (Notice::Developers, Lang::Zh) => {
                "接口文档见 /api/docs（OpenAPI 3.1 描述：/api/openapi.json）。部门系统以令牌调用共享交换接口，须声明用途。\n\n\
                 审计日志可独立核验：平台公钥见 /api/v1/audit/public-key，最新检查点见 /api/v1/audit/checkpoint；\
                 每条记录的存在性证明可从“谁用了我的数据”下载。用 yici audit verify-export 文件 --public-key 公钥 核验导出的日志，\
                 或按 RFC 9162（SM3）自行计算证明。\n\n\
                 电子证照可离线核验：yici cert verify 目录 --ca 印章根证书（根证书见 /api/v1/seal-authority/certificate），\
                 或用 OpenSSL 以 SM2（distid 1234567812345678）核验签章。"
            }
            (Notice::Developers, Lang::En) => {
                "The API is described at /api/docs (OpenAPI 3.1: /api/openapi.json). Department systems call the exchange with their token and state a purpose.\n\n\
                 The audit log can be checked independently: the platform's public key is at /api/v1/audit/public-key and the latest checkpoint at \
                 /api/v1/audit/checkpoint; each record's inclusion proof is downloaded from \"Who used my data\". Check an exported log with \
                 yici audit verify-export FILE --public-key KEY, or compute the proofs yourself by RFC 9162 (with SM3).\n\n\
                 Electronic certificates verify offline: yici cert verify DIR --ca ROOT (the seal authority's certificate is at \
                 /api/v1/seal-authority/certificate), or with OpenSSL, SM2 with distid 1234567812345678."
            }
            (Notice::Accessibility, Lang::En) => {
                "The platform follows the national web accessibility standard and the MIIT rules for accessible and senior-friendly internet services: every page works without scripts, every form field has a label, and keyboards and screen readers are supported.\n\n\
                 \"Large print / accessible\" at the top of each page enlarges text and buttons, raises contrast and simplifies navigation.\n\n\
                 If something stands in your way, please tell us through the contact below."
            }
        }
    }

    fn page(self, auth: &Auth, headers: &HeaderMap) -> Response {
        let (zh, en) = self.title();
        let l = Layout::new(auth, headers, self.path(), zh, en);
        let own = match self {
            Notice::Privacy => &auth.site.privacy,
            Notice::Terms => &auth.site.terms,
            Notice::Accessibility => &auth.site.accessibility,
            Notice::Developers => &None,
        };
        let text = own.as_deref().unwrap_or_else(|| self.default_text(l.lang));
        let paragraphs = text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        render(StatusCode::OK, &NoticePage { l, paragraphs })
    }
}

/// 隐私声明.
pub async fn privacy(auth: Auth, headers: HeaderMap) -> Response {
    Notice::Privacy.page(&auth, &headers)
}

/// 使用条款.
pub async fn terms(auth: Auth, headers: HeaderMap) -> Response {
    Notice::Terms.page(&auth, &headers)
}

/// 无障碍声明.
pub async fn accessibility(auth: Auth, headers: HeaderMap) -> Response {
    Notice::Accessibility.page(&auth, &headers)
}

/// 开发者说明: the API, and how to check the audit log and certificates independently.
pub async fn developers(auth: Auth, headers: HeaderMap) -> Response {
    Notice::Developers.page(&auth, &headers)
}
