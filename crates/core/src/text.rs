//! Free text people type (names, purposes, reasons, legal bases): the one rule every such
//! field follows, so that what is stored can be shown, printed and searched on every backend.

use crate::catalogue::FieldProblem;

/// Whether `s` holds a control character other than line breaks and tabs (NUL, a bell, an
/// escape…): nobody types them, PostgreSQL cannot store NUL, and they corrupt what is printed.
pub fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Check one free-text field: given (when `required`), at most `max` characters once trimmed,
/// and without control characters.
pub fn check(field: &str, value: &str, max: usize, required: bool) -> Result<(), FieldProblem> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(FieldProblem::new(field, "请填写此项", "This field is required"));
    }
    if v.chars().count() > max {
        return Err(FieldProblem::new(
            field,
            format!("不超过{max}个字"),
            format!("At most {max} characters"),
        ));
    }
    if has_control(v) {
        return Err(FieldProblem::new(
            field,
            "不能包含控制字符",
            "Must not contain control characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_required_bounded_and_free_of_control_characters() {
        assert!(check("purpose", "办理户籍迁移\n第二行", 20, true).is_ok());
        assert_eq!(check("purpose", "  ", 20, true).unwrap_err().field, "purpose");
        assert!(check("note", "", 20, false).is_ok());
        assert!(check("purpose", &"长".repeat(21), 20, true).is_err());
        assert!(check("purpose", &"长".repeat(20), 20, true).is_ok());
        for bad in ["a\u{0}b", "a\u{7}", "\u{1b}[31m", "a\u{7f}", "a\u{85}b"] {
            assert!(check("purpose", bad, 20, true).is_err(), "{bad:?}");
        }
    }
}
