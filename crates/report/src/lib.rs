//! The analysis in the formats people read it in: JSON for programs, a self-contained HTML page
//! (print-ready on A4, SVG charts, no JavaScript), an XLSX workbook and a PDF.

mod feedback_html;
pub mod html;
mod pdf;
mod rows;
mod templates;
pub mod trend;
pub mod words;
pub mod xlsx;

use mamori_analysis::Analysis;
pub use templates::{Notice, Piece, Preamble};

/// The analysis as one self-contained HTML page.
pub fn html(analysis: &Analysis) -> String {
    html::render(analysis, &Preamble::default())
}

/// [`html`] with a line of links or a notice at the top, for a page that serves it.
pub fn html_with(analysis: &Analysis, top: &Preamble) -> String {
    html::render(analysis, top)
}

/// The analysis as pretty-printed JSON.
pub fn json(analysis: &Analysis) -> String {
    let mut text = serde_json::to_string_pretty(analysis).expect("the analysis serialises");
    text.push('\n');
    text
}

/// The analysis as an Excel workbook.
pub fn xlsx(analysis: &Analysis) -> Result<Vec<u8>, String> {
    xlsx::render(analysis).map_err(|e| format!("the workbook could not be written: {e}"))
}

/// The analysis as a PDF, A4, with the Japanese font embedded.
pub fn pdf(analysis: &Analysis) -> Result<Vec<u8>, String> {
    pdf::render(analysis)
}

/// A respondent's feedback as JSON.
pub fn feedback_json(feedback: &mamori_analysis::Feedback) -> String {
    let mut text = serde_json::to_string_pretty(feedback).expect("the feedback serialises");
    text.push('\n');
    text
}

/// A respondent's feedback as one self-contained HTML page.
pub fn feedback_html(feedback: &mamori_analysis::Feedback) -> String {
    feedback_html::render(feedback, &Preamble::default())
}

/// [`feedback_html`] with a line of links or a notice at the top, for a page that serves it.
pub fn feedback_html_with(feedback: &mamori_analysis::Feedback, top: &Preamble) -> String {
    feedback_html::render(feedback, top)
}

/// A respondent's feedback as a PDF.
pub fn feedback_pdf(feedback: &mamori_analysis::Feedback) -> Result<Vec<u8>, String> {
    pdf::render_feedback(feedback)
}
