//! The analysis in the formats people read it in: JSON for programs, a self-contained HTML page
//! (print-ready on A4, SVG charts, no JavaScript), an XLSX workbook and a PDF.

pub mod html;
pub mod words;

use mamori_analysis::Analysis;

/// The analysis as one self-contained HTML page.
pub fn html(analysis: &Analysis) -> String {
    html::render(analysis)
}

/// The analysis as pretty-printed JSON.
pub fn json(analysis: &Analysis) -> String {
    let mut text = serde_json::to_string_pretty(analysis).expect("the analysis serialises");
    text.push('\n');
    text
}
