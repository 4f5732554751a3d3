//! # yici-search
//!
//! Chinese word segmentation for the full-text indexes. The databases index text that has
//! already been cut into words (jieba, search mode), separated by spaces: SQLite's FTS5 and
//! PostgreSQL's `simple` text search then treat each word as a token, so both backends, and
//! every node, search the same way.
#![forbid(unsafe_code)]

use jieba_rs::Jieba;
use std::sync::LazyLock;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

fn keep(word: &str) -> bool {
    word.chars().any(|c| c.is_alphanumeric())
}

/// The words of `text` (search mode: long words and their parts), lower-cased, without
/// punctuation, in order.
pub fn words(text: &str) -> Vec<String> {
    JIEBA
        .cut_for_search(text, false)
        .into_iter()
        .map(|t| t.word.trim().to_lowercase())
        .filter(|w| keep(w))
        .collect()
}

/// The text to store in a full-text index: its words separated by spaces.
pub fn index_text(text: &str) -> String {
    words(text).join(" ")
}

/// The distinct words of a query, at most 16.
pub fn query_words(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in JIEBA
        .cut(query, false)
        .into_iter()
        .map(|t| t.word.trim().to_lowercase())
        .filter(|w| keep(w))
    {
        if !out.contains(&w) {
            out.push(w);
        }
        if out.len() == 16 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_cut_into_words() {
        let w = words("不动产登记信息查询");
        assert!(
            w.contains(&"不动产".to_string()) && w.contains(&"登记".to_string()),
            "{w:?}"
        );
        assert_eq!(query_words("人口 基础信息！"), vec!["人口", "基础", "信息"]);
        assert!(index_text("营业执照（电子）").split(' ').all(|t| !t.contains('（')));
    }
}
