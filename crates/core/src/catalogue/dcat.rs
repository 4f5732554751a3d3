//! DCAT-AP 3 export of the published catalogue, as Turtle or JSON-LD.
//!
//! One graph is built as triples and written in either syntax, so the two never disagree.
//! Mappings: the provider department is the `dct:publisher` (a `foaf:Agent`); the share and open
//! types give `dct:accessRights` (EU access-right authority: PUBLIC, RESTRICTED, NON_PUBLIC); the
//! update cycle gives `dct:accrualPeriodicity` (EU frequency authority); the classification gives
//! `dcat:theme` (EU data themes) and a concept of the Yici classification scheme. Every resource
//! has a `dcat:Distribution` whose access URL is its page on the platform and, for resources
//! served through the exchange, the exchange endpoint.

use super::{FormatClass, OpenType, ResourceDraft, ShareType, UpdateCycle};
use crate::Lang;
use std::collections::BTreeMap;

/// One published resource to export.
pub struct DcatResource<'a> {
    pub id: i64,
    pub code: &'a str,
    pub draft: &'a ResourceDraft,
    pub provider_name: &'a str,
    pub provider_uscc: &'a str,
    /// UTC microseconds.
    pub published_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Object {
    Iri(String),
    Lang(String, &'static str),
    Typed(String, &'static str),
}

const PREFIXES: [(&str, &str); 9] = [
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("freq", "http://publications.europa.eu/resource/authority/frequency/"),
    ("ar", "http://publications.europa.eu/resource/authority/access-right/"),
    ("theme", "http://publications.europa.eu/resource/authority/data-theme/"),
];

fn expand(name: &str) -> String {
    match name.split_once(':') {
        Some((p, local)) if !name.starts_with("http") => {
            let base = PREFIXES
                .iter()
                .find(|(k, _)| *k == p)
                .map(|(_, v)| *v)
                .expect("known prefix");
            format!("{base}{local}")
        }
        _ => name.to_string(),
    }
}

/// A graph: subject → (predicate, object) list, kept in a stable order.
#[derive(Default)]
struct Graph(BTreeMap<String, Vec<(String, Object)>>);

impl Graph {
    fn add(&mut self, s: &str, p: &str, o: Object) {
        let v = self.0.entry(expand(s)).or_default();
        let t = (expand(p), o);
        if !v.contains(&t) {
            v.push(t);
        }
    }
    fn iri(&mut self, s: &str, p: &str, o: &str) {
        self.add(s, p, Object::Iri(expand(o)));
    }
    fn text(&mut self, s: &str, p: &str, o: &str) {
        self.add(s, p, Object::Lang(o.to_string(), "zh"));
    }
    fn typed(&mut self, s: &str, p: &str, o: &str, t: &'static str) {
        self.add(s, p, Object::Typed(o.to_string(), t));
    }
}

fn frequency(c: i64) -> &'static str {
    match UpdateCycle::from_code(c) {
        Some(UpdateCycle::RealTime) => "freq:CONT",
        Some(UpdateCycle::Daily) => "freq:DAILY",
        Some(UpdateCycle::Weekly) => "freq:WEEKLY",
        Some(UpdateCycle::Monthly) => "freq:MONTHLY",
        Some(UpdateCycle::Quarterly) => "freq:QUARTERLY",
        Some(UpdateCycle::HalfYearly) => "freq:BIANNUAL",
        Some(UpdateCycle::Yearly) => "freq:ANNUAL",
        Some(UpdateCycle::Irregular) => "freq:IRREG",
        _ => "freq:OTHER",
    }
}

/// Whether a resource is served through the exchange API.
fn serves_api(d: &ResourceDraft) -> bool {
    d.format_type.eq_ignore_ascii_case("API") || FormatClass::from_code(d.format_class) == Some(FormatClass::Database)
}

/// Access rights from the open and share types: open → PUBLIC; conditionally open, or shared
/// among government departments → RESTRICTED; neither open nor shared → NON_PUBLIC.
pub fn access_rights(d: &ResourceDraft) -> &'static str {
    match (OpenType::from_code(d.open_type), ShareType::from_code(d.share_type)) {
        (Some(OpenType::Open), _) => "ar:PUBLIC",
        (Some(OpenType::Conditional), _) => "ar:RESTRICTED",
        (_, Some(ShareType::Unconditional | ShareType::Conditional)) => "ar:RESTRICTED",
        _ => "ar:NON_PUBLIC",
    }
}

/// The EU data theme of a classification (class and item of the guide).
fn theme(classification: &str) -> &'static str {
    match (&classification[..1], &classification[1..3]) {
        ("1", "01") => "theme:SOCI",
        ("1", "02") | ("1", "04") => "theme:ECON",
        ("1", "03") => "theme:REGI",
        ("2", "02") => "theme:HEAL",
        ("2", "03") | ("2", "01") => "theme:SOCI",
        ("2", "11") => "theme:ENVI",
        _ => "theme:GOVE",
    }
}

fn theme_label(t: &str) -> &'static str {
    match t {
        "theme:SOCI" => "人口与社会",
        "theme:ECON" => "经济与金融",
        "theme:REGI" => "区域与城市",
        "theme:HEAL" => "卫生健康",
        "theme:ENVI" => "生态环境",
        _ => "政府与公共部门",
    }
}

fn date(micros: i64) -> String {
    crate::clock::china_date(micros).format("%Y-%m-%d").to_string()
}

fn build(base: &str, title: &str, publisher: &str, resources: &[DcatResource]) -> Graph {
    let base = base.trim_end_matches('/');
    let mut g = Graph::default();
    let catalog = format!("{base}/catalogue");
    let platform = format!("{base}/#platform");
    let scheme = format!("{base}/catalogue/classification");
    g.iri(&catalog, "rdf:type", "dcat:Catalog");
    g.text(&catalog, "dct:title", title);
    g.text(
        &catalog,
        "dct:description",
        "公共数据资源目录：各部门政务数据资源的名称、摘要、信息项、共享和开放属性。",
    );
    g.iri(&catalog, "dct:publisher", &platform);
    g.iri(&platform, "rdf:type", "foaf:Agent");
    g.text(&platform, "foaf:name", publisher);
    g.iri(&scheme, "rdf:type", "skos:ConceptScheme");
    g.text(&scheme, "dct:title", "政务信息资源分类（类/项/目/细目）");
    g.iri(&catalog, "dcat:themeTaxonomy", &scheme);
    for r in resources {
        let d = r.draft;
        let ds = format!("{base}/catalogue/resources/{}", r.id);
        let agent = format!("{base}/departments/{}", r.provider_uscc);
        g.iri(&catalog, "dcat:dataset", &ds);
        g.iri(&ds, "rdf:type", "dcat:Dataset");
        g.text(&ds, "dct:title", &d.name);
        g.text(&ds, "dct:description", &d.summary);
        g.typed(&ds, "dct:identifier", r.code, "xsd:string");
        g.typed(&ds, "dct:issued", &date(r.published_at), "xsd:date");
        g.iri(&ds, "dct:publisher", &agent);
        g.iri(&agent, "rdf:type", "foaf:Agent");
        g.text(&agent, "foaf:name", r.provider_name);
        g.typed(&agent, "dct:identifier", r.provider_uscc, "xsd:string");
        let freq = frequency(d.update_cycle);
        g.iri(&ds, "dct:accrualPeriodicity", freq);
        g.iri(freq, "rdf:type", "dct:Frequency");
        let rights = access_rights(d);
        g.iri(&ds, "dct:accessRights", rights);
        g.iri(rights, "rdf:type", "dct:RightsStatement");
        let t = theme(&d.classification);
        g.iri(&ds, "dcat:theme", t);
        g.iri(t, "rdf:type", "skos:Concept");
        g.text(t, "skos:prefLabel", theme_label(t));
        let class = format!("{scheme}/{}", d.classification);
        g.iri(&ds, "dcat:theme", &class);
        g.iri(&class, "rdf:type", "skos:Concept");
        g.add(
            &class,
            "skos:prefLabel",
            Object::Lang(format!("分类 {}", d.classification), "zh"),
        );
        g.iri(&class, "skos:inScheme", &scheme);
        for item in &d.items {
            g.text(&ds, "dcat:keyword", &item.name);
        }
        let dist = format!("{ds}/distribution");
        g.iri(&ds, "dcat:distribution", &dist);
        g.iri(&dist, "rdf:type", "dcat:Distribution");
        g.iri(&dist, "dcat:accessURL", &format!("{base}/catalogue/{}", r.id));
        g.text(
            &dist,
            "dct:title",
            &format!(
                "{}（{}）",
                d.name,
                FormatClass::from_code(d.format_class)
                    .map(|f| f.name(Lang::Zh))
                    .unwrap_or("")
            ),
        );
        g.iri(&dist, "dct:accessRights", rights);
        if serves_api(d) {
            // Access through the exchange API is described on the distribution. (A
            // dcat:DataService node would trip the shipped DCAT-AP 3.0.1 shapes: the
            // DataService shape refers to a property shape defined only in ranges.ttl, which
            // the validator does not load.)
            g.iri(
                &dist,
                "dcat:accessURL",
                &format!("{base}/api/v1/exchange/{}/records", r.code),
            );
            g.add(
                &dist,
                "dct:description",
                Object::Lang(
                    format!("通过共享交换接口按授权查询：{base}/api/v1/exchange/{}/records", r.code),
                    "zh",
                ),
            );
        }
    }
    g
}

fn turtle_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn iri_ref(iri: &str) -> String {
    let escaped: String = iri
        .chars()
        .filter(|c| !matches!(c, '<' | '>' | '"' | ' ' | '{' | '}' | '|' | '^' | '`' | '\\'))
        .collect();
    format!("<{escaped}>")
}

/// The catalogue as Turtle.
pub fn turtle(base: &str, title: &str, publisher: &str, resources: &[DcatResource]) -> String {
    let g = build(base, title, publisher, resources);
    let mut out = String::new();
    for (p, iri) in PREFIXES {
        out.push_str(&format!("@prefix {p}: <{iri}> .\n"));
    }
    for (s, pos) in &g.0 {
        out.push('\n');
        out.push_str(&iri_ref(s));
        for (i, (p, o)) in pos.iter().enumerate() {
            let obj = match o {
                Object::Iri(i) => iri_ref(i),
                Object::Lang(v, l) => format!("{}@{l}", turtle_literal(v)),
                Object::Typed(v, t) => format!("{}^^<{}>", turtle_literal(v), expand(t)),
            };
            out.push_str(&format!(
                "{}\n    {} {}",
                if i == 0 { "" } else { " ;" },
                iri_ref(p),
                obj
            ));
        }
        out.push_str(" .\n");
    }
    out
}

/// The catalogue as JSON-LD (a flat `@graph` of node objects with full IRIs).
pub fn json_ld(base: &str, title: &str, publisher: &str, resources: &[DcatResource]) -> serde_json::Value {
    let g = build(base, title, publisher, resources);
    let rdf_type = expand("rdf:type");
    let nodes: Vec<serde_json::Value> =
        g.0.iter()
            .map(|(s, pos)| {
                let mut node = serde_json::Map::new();
                node.insert("@id".into(), s.clone().into());
                let mut types = Vec::new();
                for (p, o) in pos {
                    if *p == rdf_type {
                        if let Object::Iri(t) = o {
                            types.push(serde_json::Value::String(t.clone()));
                        }
                        continue;
                    }
                    let value = match o {
                        Object::Iri(i) => serde_json::json!({"@id": i}),
                        Object::Lang(v, l) => serde_json::json!({"@value": v, "@language": l}),
                        Object::Typed(v, t) => serde_json::json!({"@value": v, "@type": expand(t)}),
                    };
                    match node.get_mut(p) {
                        Some(serde_json::Value::Array(a)) => a.push(value),
                        _ => {
                            node.insert(p.clone(), serde_json::Value::Array(vec![value]));
                        }
                    }
                }
                if !types.is_empty() {
                    node.insert("@type".into(), serde_json::Value::Array(types));
                }
                serde_json::Value::Object(node)
            })
            .collect();
    serde_json::json!({ "@graph": nodes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_has_the_mandatory_properties_in_both_syntaxes() {
        let mut d = crate::catalogue::tests::draft();
        d.summary = "含 \"引号\" 和\n换行".into();
        let r = [DcatResource {
            id: 1,
            code: "101001/000001",
            draft: &d,
            provider_name: "浙江省公安厅",
            provider_uscc: "11330000MB0001030X",
            published_at: 0,
        }];
        let ttl = turtle("http://example.org", "目录", "平台", &r);
        assert!(ttl.contains("/api/v1/exchange/101001/000001/records>"));
        assert!(ttl.contains("\\\"引号\\\""));
        assert!(ttl.contains("<http://publications.europa.eu/resource/authority/frequency/CONT>"));
        let jl = json_ld("http://example.org", "目录", "平台", &r);
        let graph = jl["@graph"].as_array().unwrap();
        assert!(
            graph
                .iter()
                .any(|n| n["@type"][0] == "http://www.w3.org/ns/dcat#Dataset")
        );
        assert_eq!(access_rights(&d), "ar:RESTRICTED");
    }
}
