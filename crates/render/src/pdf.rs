//! Certificate documents as PDF/A-2b: the type's title, the holder and the surface data as
//! labelled rows, the issuer with the seal picture over it, and a QR code (drawn as vector
//! modules) carrying the verification address. A use copy (加注件) adds the user department,
//! purpose, time and expiry, as a boxed note and across the page.
//!
//! Text is set in the embedded WenQuanYi Micro Hei; krilla embeds the subset of glyphs used, with
//! a ToUnicode map, so the text can be searched and extracted. A character the font cannot draw
//! is printed as `?` (PDF/A forbids the missing-glyph box).

use ab_glyph::Font as _;
use krilla::Data;
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};

/// A4 in points.
const PAGE: (f32, f32) = (595.0, 842.0);
const MARGIN: f32 = 56.0;
const SEAL_RED: (u8, u8, u8) = (0xD7, 0x00, 0x0F);

/// What a certificate page shows.
#[derive(Debug, Clone, Default)]
pub struct CertificateDoc {
    /// The type's name, the page title.
    pub title: String,
    /// Label and value, in order (holder, number, surface data, validity …).
    pub rows: Vec<(String, String)>,
    pub issuer: String,
    pub issue_date: String,
    pub identifier: String,
    pub verification_code: String,
    /// What the QR code carries; empty for no QR code and no verification code (use copies).
    pub verification_url: String,
    /// The issuing department's seal picture (PNG).
    pub seal_png: Vec<u8>,
    /// For a use copy: the lines of the note (department, purpose, time, expiry).
    pub use_copy: Vec<String>,
    /// Creation time (UTC): year, month, day, hour, minute, second.
    pub created: (u16, u8, u8, u8, u8, u8),
}

/// Replace what the font cannot draw.
fn drawable(text: &str) -> String {
    let Some(font) = crate::seal::font() else {
        return text.chars().map(|c| if c.is_ascii() { c } else { '?' }).collect();
    };
    text.chars()
        .map(|c| if c == ' ' || font.glyph_id(c).0 != 0 { c } else { '?' })
        .collect()
}

/// The approximate advance of `text` at `size` (CJK one em, Latin about half).
fn width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| if c.is_ascii() { 0.55 } else { 1.0 }).sum::<f32>() * size
}

/// Break `text` into lines no wider than `max` at `size`.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in text.chars() {
        let line = lines.last_mut().expect("one line at least");
        if width(line, size) + width(&c.to_string(), size) > max && !line.is_empty() {
            lines.push(c.to_string());
        } else {
            line.push(c);
        }
    }
    lines
}

fn fill(s: &mut Surface<'_>, (r, g, b): (u8, u8, u8)) {
    s.set_fill(Some(Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }));
}

fn text(s: &mut Surface<'_>, font: &Font, x: f32, y: f32, size: f32, t: &str) {
    s.draw_text(
        Point::from_xy(x, y),
        font.clone(),
        size,
        &drawable(t),
        false,
        TextDirection::Auto,
    );
}

fn rect(pb: &mut PathBuilder, x: f32, y: f32, w: f32, h: f32) {
    pb.move_to(x, y);
    pb.line_to(x + w, y);
    pb.line_to(x + w, y + h);
    pb.line_to(x, y + h);
    pb.close();
}

/// The QR code for `content` as filled modules at (x, y), `side` points wide, inside the quiet
/// zone of four modules that ISO/IEC 18004 asks for (with two, some codes were not found).
fn qr(s: &mut Surface<'_>, content: &str, x: f32, y: f32, side: f32) -> Result<(), String> {
    let code = qrcode::QrCode::new(content.as_bytes()).map_err(|e| e.to_string())?;
    let n = code.width();
    let quiet = 4.0;
    let m = side / (n as f32 + 2.0 * quiet);
    let colors = code.to_colors();
    let mut pb = PathBuilder::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (col, row) = ((i % n) as f32, (i / n) as f32);
            rect(&mut pb, x + (col + quiet) * m, y + (row + quiet) * m, m, m);
        }
    }
    fill(s, (0, 0, 0));
    if let Some(path) = pb.finish() {
        s.draw_path(&path);
    }
    Ok(())
}

/// Render a certificate (or a use copy of one) as PDF/A-2b.
pub fn certificate(doc: &CertificateDoc) -> Result<Vec<u8>, String> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|e| format!("PDF/A-2b configuration: {e:?}"))?;
    let settings = SerializeSettings {
        configuration,
        ..Default::default()
    };
    let mut document = Document::new_with(settings);
    let (year, month, day, hour, minute, second) = doc.created;
    document.set_metadata(
        Metadata::new()
            .title(drawable(&doc.title))
            .language("zh-CN".to_string())
            .creator("Yici".to_string())
            .creation_date(
                DateTime::new(year)
                    .month(month)
                    .day(day)
                    .hour(hour)
                    .minute(minute)
                    .second(second)
                    .utc_offset_hour(0),
            ),
    );
    let font = Font::new(Data::from(crate::FONT.to_vec()), 0).ok_or("the embedded font cannot be read")?;
    let seal = if doc.seal_png.is_empty() {
        None
    } else {
        Some(Image::from_png(Data::from(doc.seal_png.clone()), false)?)
    };
    {
        let mut page = document.start_page_with(PageSettings::from_wh(PAGE.0, PAGE.1).ok_or("page size")?);
        let mut s = page.surface();
        // A double red frame.
        let mut frame = PathBuilder::new();
        for (inset, w) in [(24.0, 3.0), (32.0, 1.0)] {
            rect(&mut frame, inset, inset, PAGE.0 - 2.0 * inset, w);
            rect(&mut frame, inset, PAGE.1 - inset - w, PAGE.0 - 2.0 * inset, w);
            rect(&mut frame, inset, inset, w, PAGE.1 - 2.0 * inset);
            rect(&mut frame, PAGE.0 - inset - w, inset, w, PAGE.1 - 2.0 * inset);
        }
        fill(&mut s, (0x8A, 0x1C, 0x1C));
        if let Some(p) = frame.finish() {
            s.draw_path(&p);
        }

        // Use copy: the words across the page, pale, under everything else.
        if !doc.use_copy.is_empty() {
            fill(&mut s, (0xF4, 0xC7, 0xC7));
            s.push_transform(&Transform::from_row(0.8, -0.6, 0.6, 0.8, 120.0, 600.0));
            text(&mut s, &font, 0.0, 0.0, 44.0, "加注件 仅限指定用途");
            s.pop();
        }

        fill(&mut s, (0x8A, 0x1C, 0x1C));
        let title_size = 28.0;
        let title = drawable(&doc.title);
        text(
            &mut s,
            &font,
            (PAGE.0 - width(&title, title_size)) / 2.0,
            110.0,
            title_size,
            &title,
        );

        fill(&mut s, (0, 0, 0));
        let mut y = 170.0;
        let value_x = MARGIN + 130.0;
        for (label, value) in &doc.rows {
            text(&mut s, &font, MARGIN + 20.0, y, 13.0, label);
            for line in wrap(value, 13.0, PAGE.0 - value_x - MARGIN) {
                text(&mut s, &font, value_x, y, 13.0, &line);
                y += 20.0;
            }
            y += 8.0;
            if y > 560.0 {
                break;
            }
        }

        // The issuer, with the seal over it.
        let issuer_y = 660.0;
        text(
            &mut s,
            &font,
            330.0,
            issuer_y,
            13.0,
            &format!("发证机关：{}", doc.issuer),
        );
        text(
            &mut s,
            &font,
            330.0,
            issuer_y + 22.0,
            13.0,
            &format!("发证日期：{}", doc.issue_date),
        );
        if let Some(image) = seal {
            s.push_transform(&Transform::from_translate(360.0, issuer_y - 90.0));
            s.draw_image(image, Size::from_wh(119.0, 119.0).ok_or("seal size")?);
            s.pop();
        }

        // The QR code and what it verifies (not on use copies).
        if !doc.verification_url.is_empty() {
            qr(&mut s, &doc.verification_url, MARGIN + 10.0, 580.0, 110.0)?;
            fill(&mut s, (0, 0, 0));
            text(&mut s, &font, MARGIN + 18.0, 705.0, 10.0, "扫码核验真伪");
            text(
                &mut s,
                &font,
                MARGIN + 18.0,
                720.0,
                10.0,
                &format!("核验码：{}", doc.verification_code),
            );
        }
        fill(&mut s, (0, 0, 0));
        text(
            &mut s,
            &font,
            MARGIN + 18.0,
            790.0,
            8.0,
            &format!("证照标识：{}", doc.identifier),
        );

        if !doc.use_copy.is_empty() {
            let mut boxed = PathBuilder::new();
            let top = 735.0;
            let h = 14.0 * doc.use_copy.len() as f32 + 12.0;
            rect(&mut boxed, 300.0, top, PAGE.0 - 300.0 - MARGIN, 1.5);
            rect(&mut boxed, 300.0, top + h, PAGE.0 - 300.0 - MARGIN, 1.5);
            fill(&mut s, SEAL_RED);
            if let Some(p) = boxed.finish() {
                s.draw_path(&p);
            }
            let mut ly = top + 16.0;
            for line in &doc.use_copy {
                text(&mut s, &font, 306.0, ly, 10.0, line);
                ly += 14.0;
            }
        }
        s.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

/// A printed guide (办事指南): a title, facts as labelled lines, and sections of lines, over as
/// many A4 pages as it needs, each page numbered.
#[derive(Debug, Clone, Default)]
pub struct GuideDoc {
    pub title: String,
    /// Under the title: who handles it, the promise …
    pub subtitle: String,
    /// Label and value, in order.
    pub facts: Vec<(String, String)>,
    /// A heading and its lines (materials, conditions, windows …).
    pub sections: Vec<(String, Vec<String>)>,
    /// The last line of every page (where the guide comes from, when it was printed).
    pub footer: String,
    /// Creation time (UTC): year, month, day, hour, minute, second.
    pub created: (u16, u8, u8, u8, u8, u8),
}

/// What a guide page holds, drawn after the pages are laid out.
enum Line {
    Title(String),
    Subtitle(String),
    Heading(String),
    Fact(String, String),
    Text(String),
}

/// Render a guide as PDF/A-2b, as many pages as it needs.
pub fn guide(doc: &GuideDoc) -> Result<Vec<u8>, String> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|e| format!("PDF/A-2b configuration: {e:?}"))?;
    let mut document = Document::new_with(SerializeSettings {
        configuration,
        ..Default::default()
    });
    let (year, month, day, hour, minute, second) = doc.created;
    document.set_metadata(
        Metadata::new()
            .title(drawable(&doc.title))
            .language("zh-CN".to_string())
            .creator("Yici".to_string())
            .creation_date(
                DateTime::new(year)
                    .month(month)
                    .day(day)
                    .hour(hour)
                    .minute(minute)
                    .second(second)
                    .utc_offset_hour(0),
            ),
    );
    let font = Font::new(Data::from(crate::FONT.to_vec()), 0).ok_or("the embedded font cannot be read")?;
    let (body, small) = (11.0, 9.0);
    let label_w = 110.0;
    let text_w = PAGE.0 - 2.0 * MARGIN;
    // Lay out: each entry with its height.
    let mut lines: Vec<(Line, f32)> = vec![(Line::Title(doc.title.clone()), 40.0)];
    if !doc.subtitle.is_empty() {
        lines.push((Line::Subtitle(doc.subtitle.clone()), 26.0));
    }
    for (label, value) in &doc.facts {
        let mut first = true;
        for part in wrap(value, body, text_w - label_w) {
            let label = if first { label.clone() } else { String::new() };
            first = false;
            lines.push((Line::Fact(label, part), 17.0));
        }
    }
    for (heading, items) in &doc.sections {
        lines.push((Line::Heading(heading.clone()), 28.0));
        for item in items {
            for part in wrap(item, body, text_w - 12.0) {
                lines.push((Line::Text(part), 16.0));
            }
            if let Some((_, h)) = lines.last_mut() {
                *h += 3.0;
            }
        }
    }
    let bottom = PAGE.1 - MARGIN - 24.0;
    let mut pages: Vec<Vec<(Line, f32)>> = vec![Vec::new()];
    let mut y = MARGIN + 10.0;
    for (line, h) in lines {
        if y + h > bottom {
            pages.push(Vec::new());
            y = MARGIN + 10.0;
        }
        let page = pages.last_mut().expect("a page at least");
        page.push((line, y));
        y += h;
    }
    let count = pages.len();
    for (n, page_lines) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(PageSettings::from_wh(PAGE.0, PAGE.1).ok_or("page size")?);
        let mut s = page.surface();
        for (line, y) in page_lines {
            match line {
                Line::Title(t) => {
                    fill(&mut s, (0x8A, 0x1C, 0x1C));
                    for (i, part) in wrap(&t, 20.0, text_w).iter().take(2).enumerate() {
                        text(
                            &mut s,
                            &font,
                            (PAGE.0 - width(part, 20.0)).max(2.0 * MARGIN) / 2.0,
                            y + 20.0 + i as f32 * 22.0,
                            20.0,
                            part,
                        );
                    }
                }
                Line::Subtitle(t) => {
                    fill(&mut s, (0x33, 0x33, 0x33));
                    text(&mut s, &font, MARGIN, y + 12.0, body, &t);
                }
                Line::Heading(t) => {
                    fill(&mut s, (0x8A, 0x1C, 0x1C));
                    text(&mut s, &font, MARGIN, y + 18.0, 13.0, &t);
                    let mut rule = PathBuilder::new();
                    rect(&mut rule, MARGIN, y + 23.0, text_w, 0.8);
                    if let Some(p) = rule.finish() {
                        s.draw_path(&p);
                    }
                }
                Line::Fact(label, value) => {
                    fill(&mut s, (0, 0, 0));
                    text(&mut s, &font, MARGIN, y + 12.0, body, &label);
                    text(&mut s, &font, MARGIN + label_w, y + 12.0, body, &value);
                }
                Line::Text(t) => {
                    fill(&mut s, (0, 0, 0));
                    text(&mut s, &font, MARGIN + 12.0, y + 12.0, body, &t);
                }
            }
        }
        fill(&mut s, (0x55, 0x55, 0x55));
        let footer = format!("{}    第 {} 页，共 {} 页", doc.footer, n + 1, count);
        for (i, part) in wrap(&footer, small, text_w).iter().take(2).enumerate() {
            text(&mut s, &font, MARGIN, PAGE.1 - MARGIN + i as f32 * 11.0, small, part);
        }
        s.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> CertificateDoc {
        CertificateDoc {
            title: "营业执照".into(),
            rows: vec![
                ("名称".into(), "杭州一次科技有限公司".into()),
                ("统一社会信用代码".into(), "91330106MA2KX001X0".into()),
                ("经营范围".into(), "软件开发；信息技术咨询服务；".repeat(6)),
            ],
            issuer: "浙江省市场监督管理局".into(),
            issue_date: "2026-11-27".into(),
            identifier: "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F".into(),
            verification_code: "ABCD2345".into(),
            verification_url: "https://yici.example/verify?id=1.2.156&code=ABCD2345".into(),
            seal_png: crate::seal::png("浙江省市场监督管理局"),
            use_copy: vec![],
            created: (2026, 11, 27, 8, 0, 0),
        }
    }

    #[test]
    fn a_certificate_is_pdf_a_2b_with_its_font_embedded() {
        let pdf = certificate(&doc()).expect("renders");
        assert!(pdf.starts_with(b"%PDF-1.7"), "{:?}", &pdf[..8]);
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("pdfaid:part") && text.contains(">2<"),
            "PDF/A part 2 in the XMP metadata"
        );
        assert!(text.contains("pdfaid:conformance") && text.contains(">B<"), "level B");
        assert!(
            text.contains("FontFile2") || text.contains("FontFile3"),
            "the font is embedded"
        );
        assert!(text.contains("/ToUnicode"), "text can be extracted");
        assert!(
            pdf.len() < 400 * 1024,
            "a subset, not the whole font: {} bytes",
            pdf.len()
        );
    }

    /// The QR code of `pdf`'s page rendered at `dpi` in grey by poppler's `pdftoppm`, as a
    /// scanner reads it; `None` when poppler-utils is missing (required with
    /// `YICI_REQUIRE_SERVICES=1`).
    fn scanned(pdf: &[u8], dpi: u32) -> Option<Vec<String>> {
        let dir = std::env::temp_dir().join(format!("yici-render-qr-{}-{dpi}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        std::fs::write(dir.join("a.pdf"), pdf).ok()?;
        let dpi_arg = dpi.to_string();
        let rendered = std::process::Command::new("pdftoppm")
            .args(["-gray", "-r", dpi_arg.as_str(), "-singlefile", "a.pdf", "page"])
            .current_dir(&dir)
            .status();
        let Ok(status) = rendered else {
            assert_ne!(
                std::env::var("YICI_REQUIRE_SERVICES").as_deref(),
                Ok("1"),
                "pdftoppm (poppler-utils) is required"
            );
            eprintln!("pdftoppm not installed: skipping the scan");
            return None;
        };
        assert!(status.success(), "pdftoppm renders the PDF");
        let pgm = std::fs::read(dir.join("page.pgm")).expect("the rendered page");
        let _ = std::fs::remove_dir_all(&dir);
        let head = String::from_utf8_lossy(&pgm[..pgm.len().min(64)]).into_owned();
        let fields: Vec<&str> = head.split_ascii_whitespace().take(4).collect();
        let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        let pixels = &pgm[pgm.len() - w * h..];
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
        Some(
            img.detect_grids()
                .iter()
                .filter_map(|g| g.decode().ok().map(|(_, text)| text))
                .collect(),
        )
    }

    /// With a quiet zone of two modules, one in a few hundred verification addresses drew a
    /// code that a scanner at 150 dpi did not find (this one among them); the standard's
    /// four modules (ISO/IEC 18004) are read at every resolution.
    #[test]
    fn the_qr_code_scans_with_its_full_quiet_zone() {
        let mut d = doc();
        d.title = "不动产权证书".into();
        d.identifier = "1.2.156.3005.2.11330000MB0001046F001.11330000MB0001046F.0000000002.001.T".into();
        d.verification_url = format!("http://127.0.0.1:40224/verify?id={}&code=ATCVEXGZ", d.identifier);
        let pdf = certificate(&d).expect("renders");
        for dpi in [150, 200, 300] {
            let Some(codes) = scanned(&pdf, dpi) else { return };
            assert_eq!(codes, vec![d.verification_url.clone()], "at {dpi} dpi");
        }
    }

    #[test]
    fn undrawable_characters_become_question_marks() {
        assert_eq!(drawable("张三"), "张三");
        assert_eq!(drawable("a\u{F0000}b"), "a?b");
        let mut d = doc();
        d.rows.push(("备注".into(), "\u{F0000}".into()));
        d.use_copy = vec!["用证部门：衢州市数据资源管理局".into(), "事由：不动产抵押登记".into()];
        certificate(&d).expect("renders with the replacement and the use-copy note");
    }

    #[test]
    fn long_values_wrap() {
        let lines = wrap(&"字".repeat(50), 10.0, 100.0);
        assert_eq!(lines.len(), 5);
        assert!(lines.iter().all(|l| l.chars().count() == 10));
    }

    #[test]
    fn a_long_guide_runs_over_numbered_pages() {
        let doc = GuideDoc {
            title: "不动产转移登记（二手房买卖）".into(),
            subtitle: "浙江省自然资源厅（不动产登记） · 最多跑一次".into(),
            facts: vec![
                ("承诺时限".into(), "5个工作日".into()),
                ("设定依据".into(), "《不动产登记暂行条例》".repeat(12)),
            ],
            sections: vec![(
                "申请材料".into(),
                (1..=80)
                    .map(|i| format!("{i}. 材料{i}（原件1份）免提交：由“结婚证”共享获取"))
                    .collect(),
            )],
            footer: "办事指南 · 一次".into(),
            created: (2026, 11, 30, 8, 0, 0),
        };
        let pdf = guide(&doc).expect("renders");
        assert!(pdf.starts_with(b"%PDF-1.7"));
        let text = String::from_utf8_lossy(&pdf);
        let pages = |pdf: &[u8]| -> usize {
            let text = String::from_utf8_lossy(pdf);
            let (_, rest) = text.split_once("/Count ").expect("a page tree");
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .expect("a count")
        };
        assert!(pages(&pdf) >= 2, "{} pages", pages(&pdf));
        let short = GuideDoc {
            sections: vec![],
            ..doc.clone()
        };
        assert_eq!(pages(&guide(&short).expect("renders")), 1);
        assert!(text.contains("pdfaid:part"), "PDF/A");
    }
}
