//! The seal picture (印模): a red round seal with the department's name along the upper ring
//! and a five-pointed star in the centre, drawn as a two-colour PNG (1 bit per pixel, palette
//! red and transparent) so that it stays a few kilobytes inside every seal signature.

use ab_glyph::{Font, FontRef, ScaleFont};
use std::io::Write;
use std::sync::OnceLock;

/// The embedded font, parsed once.
pub fn font() -> Option<&'static FontRef<'static>> {
    static PARSED: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    PARSED
        .get_or_init(|| FontRef::try_from_slice_and_index(crate::FONT, 0).ok())
        .as_ref()
}

/// Side of the picture in pixels (a 42 mm seal at about 190 dpi).
pub const SIZE: u32 = 320;
/// Seal red (朱红).
const RED: [u8; 3] = [0xD7, 0x00, 0x0F];

/// Whether pixel centre (x, y) is inside the star with centre `c`, outer radius `r`.
fn in_star(x: f64, y: f64, c: f64, r: f64) -> bool {
    let inner = r * 0.382;
    let points: Vec<(f64, f64)> = (0..10)
        .map(|i| {
            let radius = if i % 2 == 0 { r } else { inner };
            let angle = -std::f64::consts::FRAC_PI_2 + f64::from(i) * std::f64::consts::PI / 5.0;
            (c + radius * angle.cos(), c + radius * angle.sin())
        })
        .collect();
    // Even-odd rule over the star's outline.
    let mut inside = false;
    let mut j = points.len() - 1;
    for i in 0..points.len() {
        let (xi, yi) = points[i];
        let (xj, yj) = points[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// A glyph rasterised upright: coverage by row, with its size.
struct Bitmap {
    w: usize,
    h: usize,
    coverage: Vec<f32>,
}

fn rasterise(font: &FontRef<'_>, c: char, px: f32) -> Option<Bitmap> {
    let scaled = font.as_scaled(px);
    let glyph = scaled.scaled_glyph(c);
    let outlined = font.outline_glyph(glyph)?;
    let b = outlined.px_bounds();
    let (w, h) = (b.width().ceil() as usize + 1, b.height().ceil() as usize + 1);
    let mut coverage = vec![0.0; w * h];
    outlined.draw(|x, y, v| {
        if let Some(cell) = coverage.get_mut(y as usize * w + x as usize) {
            *cell = v;
        }
    });
    Some(Bitmap { w, h, coverage })
}

/// The seal's pixels for a department `name`: `true` where the seal is red.
pub fn pixels(name: &str) -> Vec<Vec<bool>> {
    let c = f64::from(SIZE) / 2.0;
    let outer = c - 4.0;
    let ring = outer - 14.0;
    let mut rows: Vec<Vec<bool>> = (0..SIZE)
        .map(|y| {
            (0..SIZE)
                .map(|x| {
                    let (px, py) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
                    let d = ((px - c).powi(2) + (py - c).powi(2)).sqrt();
                    (ring..=outer).contains(&d) || in_star(px, py, c, c * 0.36)
                })
                .collect()
        })
        .collect();
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).take(24).collect();
    let Some(font) = font() else { return rows };
    if chars.is_empty() {
        return rows;
    }
    // The name runs clockwise along the upper ring, centred on the top, each character upright
    // towards the outside.
    let n = chars.len() as f64;
    let size = if n > 14.0 { 30.0 } else { 38.0 };
    let radius = ring - 8.0 - size / 2.0;
    let span = (n * 21.0).clamp(60.0, 250.0).to_radians();
    let step = if n > 1.0 { span / (n - 1.0) } else { 0.0 };
    let start = -std::f64::consts::FRAC_PI_2 - span / 2.0;
    for (i, ch) in chars.iter().enumerate() {
        let Some(g) = rasterise(font, *ch, size as f32) else {
            continue;
        };
        let theta = start + step * i as f64;
        let (cx, cy) = (c + radius * theta.cos(), c + radius * theta.sin());
        let phi = theta + std::f64::consts::FRAC_PI_2;
        let (sin, cos) = phi.sin_cos();
        let reach = (g.w.max(g.h) as f64) * 0.75;
        let (x0, x1) = (
            (cx - reach).floor().max(0.0) as u32,
            (cx + reach).ceil().min(f64::from(SIZE)) as u32,
        );
        let (y0, y1) = (
            (cy - reach).floor().max(0.0) as u32,
            (cy + reach).ceil().min(f64::from(SIZE)) as u32,
        );
        for y in y0..y1 {
            for x in x0..x1 {
                let (dx, dy) = (f64::from(x) + 0.5 - cx, f64::from(y) + 0.5 - cy);
                // Back into the upright glyph's coordinates.
                let u = dx * cos + dy * sin + g.w as f64 / 2.0;
                let v = -dx * sin + dy * cos + g.h as f64 / 2.0;
                if u < 0.0 || v < 0.0 || u >= g.w as f64 || v >= g.h as f64 {
                    continue;
                }
                if g.coverage[v as usize * g.w + u as usize] > 0.5 {
                    rows[y as usize][x as usize] = true;
                }
            }
        }
    }
    rows
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// The seal picture of a department as PNG.
pub fn png(name: &str) -> Vec<u8> {
    let rows = pixels(name);
    let mut raw = Vec::with_capacity((SIZE as usize / 8 + 1) * SIZE as usize);
    for row in &rows {
        raw.push(0); // filter: none
        for byte in row.chunks(8) {
            raw.push(
                byte.iter()
                    .enumerate()
                    .fold(0u8, |b, (i, on)| b | (u8::from(*on) << (7 - i))),
            );
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw).expect("writing to memory");
    let compressed = z.finish().expect("writing to memory");

    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&SIZE.to_be_bytes());
    header.extend_from_slice(&SIZE.to_be_bytes());
    header.extend_from_slice(&[1, 3, 0, 0, 0]); // 1 bit, palette, deflate, no filter set, no interlace
    chunk(&mut out, b"IHDR", &header);
    let mut palette = vec![0xFF, 0xFF, 0xFF];
    palette.extend_from_slice(&RED);
    chunk(&mut out, b"PLTE", &palette);
    chunk(&mut out, b"tRNS", &[0x00]);
    chunk(&mut out, b"IDAT", &compressed);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_picture_is_a_red_ring_with_a_star_in_a_valid_png() {
        let png = png("浙江省市场监督管理局");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(png.len() < 8 * 1024, "{} bytes", png.len());
        // Walk the chunks, checking each CRC, and inflate the image data.
        let mut at = 8;
        let mut idat = Vec::new();
        let mut kinds = Vec::new();
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = &png[at + 4..at + 8];
            let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32fast::hash(&png[at + 4..at + 8 + len]));
            if kind == b"IDAT" {
                idat.extend_from_slice(&png[at + 8..at + 8 + len]);
            }
            kinds.push(String::from_utf8(kind.to_vec()).unwrap());
            at += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "PLTE", "tRNS", "IDAT", "IEND"]);
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(&idat[..]).read_to_end(&mut raw).unwrap();
        let stride = SIZE as usize / 8 + 1;
        assert_eq!(raw.len(), stride * SIZE as usize);
        let on = |x: usize, y: usize| raw[y * stride + 1 + x / 8] & (0x80 >> (x % 8)) != 0;
        let c = SIZE as usize / 2;
        assert!(on(c, c), "the star's centre is red");
        assert!(on(c, 10), "the ring at the top is red");
        assert!(on(10, c), "the ring at the left is red");
        assert!(!on(c, 60), "between ring and star is clear");
        assert!(!on(0, 0), "the corner is clear");
        // The name is drawn inside the upper ring, and not without a name.
        let text_band = |rows: &Vec<Vec<bool>>| rows[30..70].iter().flatten().filter(|p| **p).count();
        let with = text_band(&pixels("浙江省市场监督管理局"));
        let without = text_band(&pixels(""));
        assert!(
            with > without + 200,
            "text pixels: {with} with the name, {without} without"
        );
    }
}
