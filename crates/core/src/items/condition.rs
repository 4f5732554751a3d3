//! `applies_when`: the situations (情形) in which a material or a condition applies, a small
//! expression over the answers to an item's questions, such as `married = yes and
//! first_time = no`. It is parsed and checked against the questions when a version is saved:
//! an unknown question or choice is a field error, never a surprise when the guide is built.
//!
//! ```text
//! expr   := term ("or" term)*
//! term   := factor ("and" factor)*
//! factor := "not" factor | "(" expr ")" | name ("=" | "!=") name
//! name   := [a-z0-9_]+
//! ```

use super::Question;
use std::collections::BTreeMap;

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The answer to the question is (`true`) or is not (`false`) the choice.
    Is {
        question: String,
        choice: String,
        equal: bool,
    },
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
}

/// The longest condition accepted, in characters.
pub const MAX_LEN: usize = 500;
/// The deepest nesting accepted (parentheses and `not`).
const MAX_DEPTH: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Name(String),
    Eq,
    Ne,
    Open,
    Close,
    And,
    Or,
    Not,
}

fn tokens(s: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '=' => {
                chars.next();
                out.push(Token::Eq);
            }
            '!' => {
                chars.next();
                if chars.next() != Some('=') {
                    return Err("“!” 后应为 “=” / '!' must be followed by '='".into());
                }
                out.push(Token::Ne);
            }
            c if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' => {
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
                        name.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(match name.as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    _ => Token::Name(name),
                });
            }
            other => return Err(format!("不能识别的字符“{other}” / unexpected character '{other}'")),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn expr(&mut self, depth: usize) -> Result<Condition, String> {
        let mut left = self.term(depth)?;
        while self.peek() == Some(&Token::Or) {
            self.next();
            left = Condition::Or(Box::new(left), Box::new(self.term(depth)?));
        }
        Ok(left)
    }
    fn term(&mut self, depth: usize) -> Result<Condition, String> {
        let mut left = self.factor(depth)?;
        while self.peek() == Some(&Token::And) {
            self.next();
            left = Condition::And(Box::new(left), Box::new(self.factor(depth)?));
        }
        Ok(left)
    }
    fn factor(&mut self, depth: usize) -> Result<Condition, String> {
        if depth > MAX_DEPTH {
            return Err("嵌套过深 / nested too deeply".into());
        }
        match self.next() {
            Some(Token::Not) => Ok(Condition::Not(Box::new(self.factor(depth + 1)?))),
            Some(Token::Open) => {
                let inner = self.expr(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("缺少右括号 / a ')' is missing".into()),
                }
            }
            Some(Token::Name(question)) => {
                let equal = match self.next() {
                    Some(Token::Eq) => true,
                    Some(Token::Ne) => false,
                    _ => {
                        return Err(format!(
                            "“{question}”后应为 = 或 != / '{question}' must be followed by = or !="
                        ));
                    }
                };
                match self.next() {
                    Some(Token::Name(choice)) => Ok(Condition::Is {
                        question,
                        choice,
                        equal,
                    }),
                    _ => Err(format!(
                        "“{question}”的比较缺少选项 / the comparison of '{question}' lacks a choice"
                    )),
                }
            }
            _ => Err("条件不完整 / the condition is incomplete".into()),
        }
    }
}

impl Condition {
    /// Parse a condition (its syntax only); the message is in Chinese and English.
    pub fn parse(s: &str) -> Result<Condition, String> {
        if s.chars().count() > MAX_LEN {
            return Err(format!("条件不超过{MAX_LEN}个字符 / at most {MAX_LEN} characters"));
        }
        let mut p = Parser {
            tokens: tokens(s)?,
            at: 0,
        };
        let c = p.expr(0)?;
        if p.at != p.tokens.len() {
            return Err("条件末尾有多余内容 / unexpected text at the end".into());
        }
        Ok(c)
    }

    /// Every (question, choice) it names that the questions do not have.
    pub fn unknown(&self, questions: &[Question]) -> Vec<String> {
        let mut out = Vec::new();
        self.visit(&mut |q, c| match questions.iter().find(|x| x.code == q) {
            None => out.push(q.to_string()),
            Some(x) if !x.choices.iter().any(|choice| choice.code == c) => out.push(format!("{q} = {c}")),
            Some(_) => {}
        });
        out
    }

    fn visit(&self, f: &mut impl FnMut(&str, &str)) {
        match self {
            Condition::Is { question, choice, .. } => f(question, choice),
            Condition::And(a, b) | Condition::Or(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Condition::Not(a) => a.visit(f),
        }
    }

    /// Whether it holds for `answers` (question code → choice code). A question not answered
    /// makes its comparisons false.
    pub fn holds(&self, answers: &BTreeMap<String, String>) -> bool {
        match self {
            Condition::Is {
                question,
                choice,
                equal,
            } => match answers.get(question) {
                Some(a) => (a == choice) == *equal,
                None => false,
            },
            Condition::And(a, b) => a.holds(answers) && b.holds(answers),
            Condition::Or(a, b) => a.holds(answers) || b.holds(answers),
            Condition::Not(a) => !a.holds(answers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn conditions_parse_and_hold() {
        let c = Condition::parse("married = yes and (first_time = no or not agent != yes)").unwrap();
        assert!(c.holds(&answers(&[("married", "yes"), ("first_time", "no")])));
        assert!(c.holds(&answers(&[("married", "yes"), ("first_time", "yes"), ("agent", "yes")])));
        assert!(!c.holds(&answers(&[("married", "no"), ("first_time", "no")])));
        assert!(!c.holds(&answers(&[])));
    }

    #[test]
    fn malformed_conditions_are_refused_with_a_reason() {
        for bad in [
            "",
            "married",
            "married =",
            "= yes",
            "(married = yes",
            "married = yes)",
            "married == yes",
            "married = yes and",
            "Married = yes",
            "已婚 = 是",
            "married ! yes",
            "a = b c = d",
        ] {
            assert!(Condition::parse(bad).is_err(), "{bad}");
        }
        let deep = format!("{}a = b{}", "(".repeat(30), ")".repeat(30));
        assert!(Condition::parse(&deep).is_err());
        assert!(Condition::parse(&"not ".repeat(100)).is_err());
    }
}
