//! `yici id`: check and explain identifiers.

use clap::Subcommand;
use std::process::ExitCode;
use yici_core::Lang;
use yici_core::id::detect;

#[derive(Subcommand)]
pub(crate) enum IdCommand {
    /// Detect the kind of identifier and print its fields. Exits 0 when valid, 1 when not.
    Check {
        value: String,
        /// Print in English.
        #[arg(long)]
        en: bool,
    },
}

/// `yici id check`: 0 valid, 1 invalid (with the reason).
pub(crate) fn id_check(value: &str, lang: Lang) -> ExitCode {
    match detect(value) {
        Ok(d) => {
            out!("{}: {}", lang.pick("类型", "kind"), d.kind.name(lang));
            out!("{}: {}", lang.pick("规范形式", "canonical"), d.canonical);
            for f in &d.fields {
                out!("{}: {}", f.label(lang), f.value);
            }
            out!("{}", lang.pick("结果：有效", "result: valid"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            if e.legacy_hint {
                eprintln!(
                    "{}",
                    lang.pick(
                        "警告：可能是早期试点代码，校验未通过",
                        "warning: possibly an early pilot code; it fails the check"
                    )
                );
            }
            eprintln!("{}: {}", lang.pick("无效", "invalid"), e.message(lang));
            ExitCode::from(1)
        }
    }
}
