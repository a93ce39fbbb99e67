//! The embedded Japanese font: glyph lookup, widths, and the subset that goes into a PDF.

use std::collections::BTreeMap;
use subsetter::GlyphRemapper;

/// IPAexGothic (IPA Font License v1.0; see assets/fonts/README.md), compiled in so every
/// machine writes the same PDF without installing fonts.
static FONT: &[u8] = include_bytes!("../../../../assets/fonts/ipaexg.ttf");

pub struct Font {
    face: ttf_parser::Face<'static>,
    units: f64,
    /// Old glyph id → new (subset) glyph id, assigned as text is written.
    remapper: GlyphRemapper,
    /// New glyph id → the text it stands for (for copy and search: ToUnicode).
    text: BTreeMap<u16, char>,
    /// New glyph id → advance width in 1/1000 em.
    widths: BTreeMap<u16, u16>,
}

pub struct Embedded {
    pub file: Vec<u8>,
    pub widths: BTreeMap<u16, u16>,
    pub text: BTreeMap<u16, char>,
    pub ascent: i16,
    pub descent: i16,
    pub cap_height: i16,
    pub bbox: [i16; 4],
}

impl Font {
    pub fn load() -> Font {
        let face = ttf_parser::Face::parse(FONT, 0).expect("the bundled font parses");
        let units = f64::from(face.units_per_em());
        Font { face, units, remapper: GlyphRemapper::new(), text: BTreeMap::new(), widths: BTreeMap::new() }
    }

    fn glyph(&self, c: char) -> ttf_parser::GlyphId {
        self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0))
    }

    fn advance(&self, gid: ttf_parser::GlyphId) -> f64 {
        f64::from(self.face.glyph_hor_advance(gid).unwrap_or(0)) * 1000.0 / self.units
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f64) -> f64 {
        text.chars().map(|c| self.advance(self.glyph(c))).sum::<f64>() * size / 1000.0
    }

    /// The text as a PDF hex string of subset glyph ids (Identity-H encoding).
    pub fn encode(&mut self, text: &str) -> String {
        let mut hex = String::with_capacity(text.len() * 4 + 2);
        hex.push('<');
        for c in text.chars() {
            let old = self.glyph(c);
            let new = self.remapper.remap(old.0);
            self.text.entry(new).or_insert(c);
            let width = self.advance(old).round() as u16;
            self.widths.entry(new).or_insert(width);
            hex.push_str(&format!("{new:04X}"));
        }
        hex.push('>');
        hex
    }

    pub fn embed(self) -> Result<Embedded, String> {
        let file = subsetter::subset(FONT, 0, &self.remapper).map_err(|e| format!("font subset failed: {e:?}"))?;
        let scale = |v: i16| (f64::from(v) * 1000.0 / self.units).round() as i16;
        let b = self.face.global_bounding_box();
        Ok(Embedded {
            file,
            widths: self.widths,
            text: self.text,
            ascent: scale(self.face.ascender()),
            descent: scale(self.face.descender()),
            cap_height: scale(self.face.capital_height().unwrap_or(self.face.ascender())),
            bbox: [scale(b.x_min), scale(b.y_min), scale(b.x_max), scale(b.y_max)],
        })
    }
}
