//! Identifier check: recognise a value and list its fields, or say what is wrong and where.

use serde::{Deserialize, Serialize};
use yici_core::authz::{Permission, Target};
use yici_core::id::detect;
use yici_service::context::current_lang;
use yici_service::{Error, FieldError, Kind};
use yici_web::extract::Query;
use yici_web::{ApiResult, Auth, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    pub value: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckedField {
    pub key: String,
    pub label: String,
    pub value: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckAnswer {
    /// `uscc`, `citizen_id`, `org_code`, `region_code` or `certificate_id`.
    pub kind: String,
    pub kind_name: String,
    pub canonical: String,
    pub fields: Vec<CheckedField>,
}

#[utoipa::path(get, path = "/api/v1/ids/check", tag = "identifiers", params(CheckQuery),
    responses((status = 200, body = CheckAnswer), (status = 422, body = Problem)))]
pub async fn check(auth: Auth, Query(q): Query<CheckQuery>) -> ApiResult<axum::Json<CheckAnswer>> {
    auth.require(Permission::ReadDirectory, &Target::OwnScope)?;
    if q.value.len() > 100 {
        return Err(Error::field("value", "输入过长", "The value is too long").into());
    }
    let lang = current_lang();
    match detect(&q.value) {
        Ok(d) => Ok(axum::Json(CheckAnswer {
            kind: serde_json::to_value(d.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            kind_name: d.kind.name(lang).to_string(),
            canonical: d.canonical,
            fields: d
                .fields
                .iter()
                .map(|f| CheckedField {
                    key: f.key.to_string(),
                    label: f.label(lang).to_string(),
                    value: f.value.clone(),
                })
                .collect(),
        })),
        Err(e) => {
            let mut err = Error::validation(vec![FieldError::id("value", &e)]);
            err.kind = Kind::Invalid;
            err.code = "invalid_identifier";
            err.zh = e.message(yici_core::Lang::Zh);
            err.en = e.message(yici_core::Lang::En);
            Err(err.into())
        }
    }
}
