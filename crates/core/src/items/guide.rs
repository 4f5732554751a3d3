//! 办事指南 — the tailored list: for an item (or a bundle of items) and the answers to its
//! questions, exactly the materials and conditions that apply, each material marked 免提交 when
//! the government holds it, with the limits, visits, fees and windows, and the one-line promise.

use super::{
    CaseType, Condition, Delivery, Depth, Fee, FormField, ItemVersion, MaterialForm, Question, ServiceWindow, Source,
    TimeLimit,
};
use crate::catalogue::FieldProblem;
use serde::Serialize;
use std::collections::BTreeMap;

/// The promise people read about visits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Promise {
    pub visits: u32,
    pub zh: String,
    pub en: String,
}

impl Promise {
    pub fn of(visits: u32, reason: &str) -> Self {
        let reason = reason.trim();
        let (zh, en) = match visits {
            0 => ("零跑腿".to_string(), "No visit needed".to_string()),
            1 => ("最多跑一次".to_string(), "At most one visit".to_string()),
            n => (
                format!("需到现场{n}次：{reason}"),
                format!("{n} visits needed: {reason}"),
            ),
        };
        Promise { visits, zh, en }
    }
}

/// One material line of a guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuideMaterial {
    pub code: String,
    pub name: String,
    pub required: bool,
    pub form: MaterialForm,
    pub copies: u32,
    pub standard: String,
    pub deferrable: bool,
    /// What makes it 免提交 (the certificate type, resource or item that the government holds),
    /// or `None` when the applicant brings it.
    pub exempt_source: Option<Source>,
    /// The items of a bundle that need it (one item: its name).
    pub items: Vec<String>,
}

/// A guide: what applies for the given answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guide {
    pub name: String,
    pub materials: Vec<GuideMaterial>,
    pub conditions: Vec<String>,
    pub legal_limit: TimeLimit,
    pub promised_limit: TimeLimit,
    pub visits: u32,
    pub promise: Promise,
    pub case_type: CaseType,
    pub depth: Depth,
    pub fees: Vec<Fee>,
    pub delivery: Vec<Delivery>,
    pub windows: Vec<ServiceWindow>,
    /// The application form, one field per data element.
    pub form: Vec<FormField>,
    /// Questions not answered: materials and conditions that depend on them are left out
    /// until they are.
    pub unanswered: Vec<Question>,
    /// Certificate types issued as the result (a bundle's result package).
    pub results: Vec<String>,
}

impl Guide {
    /// How many of its lines the government holds (免提交).
    pub fn exempt(&self) -> usize {
        self.materials.iter().filter(|m| m.exempt_source.is_some()).count()
    }
}

/// Check answers against the questions: each names a question and one of its choices.
fn check_answers(questions: &[Question], answers: &BTreeMap<String, String>) -> Result<(), Vec<FieldProblem>> {
    let mut p = Vec::new();
    for (q, a) in answers {
        let field = format!("answer.{q}");
        match questions.iter().find(|x| &x.code == q) {
            None => p.push(FieldProblem::new(
                field,
                format!("没有问题“{q}”"),
                format!("there is no question '{q}'"),
            )),
            Some(x) if !x.choices.iter().any(|c| &c.code == a) => p.push(FieldProblem::new(
                field,
                format!(
                    "“{}”的回答应为：{}",
                    x.text,
                    x.choices.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join("、")
                ),
                format!(
                    "the answer to '{}' must be one of: {}",
                    x.code,
                    x.choices.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
            Some(_) => {}
        }
    }
    if p.is_empty() { Ok(()) } else { Err(p) }
}

/// Whether a line with this condition applies (an empty condition always does; one that does
/// not parse never does: saved versions were checked).
fn applies(when: &str, answers: &BTreeMap<String, String>) -> bool {
    when.trim().is_empty() || Condition::parse(when).is_ok_and(|c| c.holds(answers))
}

/// The guide of one item's version for `answers` (question code → choice code).
pub fn guide(v: &ItemVersion, answers: &BTreeMap<String, String>) -> Result<Guide, Vec<FieldProblem>> {
    bundle_guide(&v.name, &[(v.name.as_str(), v)], answers)
}

/// The guide of a bundle (一件事): one set of questions (the same code is one question), one
/// de-duplicated material list (a government-held source, or the same material code, is asked
/// once), one form (the same data element is one field), one promise (the longest limit, the
/// most visits of its items: they are handled together) and one result package.
pub fn bundle_guide(
    name: &str,
    parts: &[(&str, &ItemVersion)],
    answers: &BTreeMap<String, String>,
) -> Result<Guide, Vec<FieldProblem>> {
    let mut questions: Vec<Question> = Vec::new();
    for (_, v) in parts {
        for q in &v.questions {
            if !questions.iter().any(|x| x.code == q.code) {
                questions.push(q.clone());
            }
        }
    }
    check_answers(&questions, answers)?;
    let mut materials: Vec<(String, GuideMaterial)> = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    let mut form: Vec<FormField> = Vec::new();
    let mut fees: Vec<Fee> = Vec::new();
    let mut windows: Vec<ServiceWindow> = Vec::new();
    let mut delivery: Vec<Delivery> = Vec::new();
    let mut results: Vec<String> = Vec::new();
    let first = parts.first().map(|(_, v)| *v);
    let (mut legal, mut promised) = first.map_or((TimeLimit::working(0), TimeLimit::working(0)), |v| {
        (v.legal_limit, v.promised_limit)
    });
    let mut visits = 0;
    let mut reason = String::new();
    let mut depth = first.map_or(Depth::FullyOnline, |v| v.depth);
    let mut case_type = CaseType::Immediate;
    for (item, v) in parts {
        for m in v.materials.iter().filter(|m| applies(&m.applies_when, answers)) {
            let key = m.source.key().unwrap_or_else(|| format!("applicant:{}", m.code));
            match materials.iter_mut().find(|(k, _)| *k == key) {
                Some((_, line)) => {
                    line.required |= m.required;
                    line.deferrable &= m.deferrable;
                    line.copies = line.copies.max(m.copies);
                    if !line.items.iter().any(|i| i == item) {
                        line.items.push(item.to_string());
                    }
                }
                None => materials.push((
                    key,
                    GuideMaterial {
                        code: m.code.clone(),
                        name: m.name.clone(),
                        required: m.required,
                        form: m.form,
                        copies: m.copies,
                        standard: m.standard.clone(),
                        deferrable: m.deferrable,
                        exempt_source: m.source.government_held().then(|| m.source.clone()),
                        items: vec![item.to_string()],
                    },
                )),
            }
        }
        for c in v.conditions.iter().filter(|c| applies(&c.applies_when, answers)) {
            if !conditions.contains(&c.text) {
                conditions.push(c.text.clone());
            }
        }
        for f in &v.form {
            match form.iter_mut().find(|x| x.element == f.element) {
                Some(x) => x.required |= f.required,
                None => form.push(f.clone()),
            }
        }
        fees.extend(v.fees.iter().cloned());
        for w in &v.windows {
            if !windows.contains(w) {
                windows.push(w.clone());
            }
        }
        for d in &v.delivery {
            if !delivery.contains(d) {
                delivery.push(*d);
            }
        }
        for t in v.process.iter().filter_map(|s| s.issues.as_ref()) {
            if !results.contains(t) {
                results.push(t.clone());
            }
        }
        if !v.legal_limit.within(&legal) {
            legal = v.legal_limit;
        }
        if !v.promised_limit.within(&promised) {
            promised = v.promised_limit;
        }
        if v.visits > visits {
            visits = v.visits;
            reason = v.visits_reason.clone();
        }
        if v.depth.code() < depth.code() {
            depth = v.depth;
        }
        if v.case_type == CaseType::Promised {
            case_type = CaseType::Promised;
        }
    }
    let unanswered = questions
        .into_iter()
        .filter(|q| !answers.contains_key(&q.code))
        .collect();
    Ok(Guide {
        name: name.to_string(),
        materials: materials.into_iter().map(|(_, m)| m).collect(),
        conditions,
        legal_limit: legal,
        promised_limit: promised,
        visits,
        promise: Promise::of(visits, &reason),
        case_type,
        depth,
        fees,
        delivery,
        windows,
        form,
        unanswered,
        results,
    })
}
