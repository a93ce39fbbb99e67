//! PDF objects, written by hand: a catalog, pages with compressed content streams, and one
//! Type0/CIDFontType2 font with its subset, widths and ToUnicode map (so text can be copied
//! and searched).

use super::font::Embedded;
use std::fmt::Write;

fn compress(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// Text as a PDF string in UTF-16BE with BOM (for the document title).
fn utf16_string(text: &str) -> String {
    let mut s = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(s, "{unit:04X}");
    }
    s.push('>');
    s
}

struct Objects {
    out: Vec<u8>,
    offsets: Vec<usize>,
}

impl Objects {
    fn add(&mut self, id: usize, body: &[u8]) {
        if self.offsets.len() <= id {
            self.offsets.resize(id + 1, 0);
        }
        self.offsets[id] = self.out.len();
        self.out.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    fn stream(&mut self, id: usize, dict: &str, data: &[u8]) {
        let compressed = compress(data);
        let mut body = format!("<< {dict} /Length {} /Filter /FlateDecode >>\nstream\n", compressed.len()).into_bytes();
        body.extend_from_slice(&compressed);
        body.extend_from_slice(b"\nendstream");
        self.add(id, &body);
    }
}

pub fn write(title: &str, pages: &[String], font: Embedded, size: (f64, f64)) -> Vec<u8> {
    let mut o = Objects { out: b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec(), offsets: vec![0] };
    // 1 catalog, 2 pages, 3 Type0 font, 4 CIDFont, 5 descriptor, 6 font file, 7 ToUnicode,
    // 8 info, then a page and its content per page.
    let first_page = 9;
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", first_page + 2 * i)).collect();
    o.add(1, b"<< /Type /Catalog /Pages 2 0 R >>");
    o.add(2, format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()).as_bytes());
    o.add(3, b"<< /Type /Font /Subtype /Type0 /BaseFont /MAMORI+IPAexGothic /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 7 0 R >>");
    let mut widths = String::new();
    for (gid, w) in &font.widths {
        let _ = write!(widths, "{gid} [{w}] ");
    }
    o.add(
        4,
        format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /MAMORI+IPAexGothic /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R /DW 1000 /W [{widths}] /CIDToGIDMap /Identity >>"
        )
        .as_bytes(),
    );
    let [x0, y0, x1, y1] = font.bbox;
    o.add(
        5,
        format!(
            "<< /Type /FontDescriptor /FontName /MAMORI+IPAexGothic /Flags 4 /FontBBox [{x0} {y0} {x1} {y1}] /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 6 0 R >>",
            font.ascent, font.descent, font.cap_height
        )
        .as_bytes(),
    );
    o.stream(6, &format!("/Length1 {}", font.file.len()), &font.file);
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(&u16, &char)> = font.text.iter().collect();
    for chunk in entries.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
        for (gid, c) in chunk {
            let mut utf16 = String::new();
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(utf16, "{unit:04X}");
            }
            let _ = writeln!(cmap, "<{gid:04X}> <{utf16}>");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    o.stream(7, "", cmap.as_bytes());
    o.add(8, format!("<< /Title {} /Producer (Mamori) /Creator (Mamori) >>", utf16_string(title)).as_bytes());
    for (i, content) in pages.iter().enumerate() {
        let page = first_page + 2 * i;
        o.add(
            page,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                size.0,
                size.1,
                page + 1
            )
            .as_bytes(),
        );
        o.stream(page + 1, "", content.as_bytes());
    }
    let xref = o.out.len();
    let count = o.offsets.len();
    let mut tail = format!("xref\n0 {count}\n0000000000 65535 f \n");
    for offset in &o.offsets[1..] {
        let _ = writeln!(tail, "{offset:010} 00000 n ");
    }
    let _ = write!(tail, "trailer\n<< /Size {count} /Root 1 0 R /Info 8 0 R >>\nstartxref\n{xref}\n%%EOF\n");
    o.out.extend_from_slice(tail.as_bytes());
    o.out
}
