//! Field helpers shared by the catalogue's pages: select options from the standard's codes.

/// Options of a coded enumeration for a select box, with an empty choice first when `any`.
pub fn options(pairs: Vec<(i64, &'static str)>, any: Option<&str>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = any.map(|a| vec![(String::new(), a.to_string())]).unwrap_or_default();
    v.extend(pairs.into_iter().map(|(c, n)| (c.to_string(), n.to_string())));
    v
}

macro_rules! choices {
    ($t:ty, $lang:expr) => {
        <$t>::ALL.iter().map(|v| (v.code(), v.name($lang))).collect::<Vec<_>>()
    };
}

pub fn text_of(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}
pub(crate) use choices;
