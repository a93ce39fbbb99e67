//! A respondent's feedback as one self-contained HTML page: where it stands, and what to do next.

use crate::html::{CSP_META, esc};
use mamori_analysis::feedback::{Feedback, PeerFigures, Standing};
use std::fmt::Write;

struct Words {
    lang: &'static str,
    heading: &'static str,
    overall: &'static str,
    your_score: &'static str,
    all: &'static str,
    segment: &'static str,
    percentile: &'static str,
    median: &'static str,
    quartiles: &'static str,
    groups: &'static str,
    group: &'static str,
    gaps: &'static str,
    no_gaps: &'static str,
    your_answer: &'static str,
    peers_better: &'static str,
    clauses: &'static str,
    first_step: &'static str,
    items: &'static str,
    item: &'static str,
    score: &'static str,
    basis_segment: &'static str,
    basis_all: &'static str,
    how: &'static str,
    legend: &'static str,
}

const JA: Words = Words {
    lang: "ja",
    heading: "フィードバック",
    overall: "総合スコア",
    your_score: "貴社のスコア",
    all: "回答者全体",
    segment: "同じ業態",
    percentile: "順位（下位からの割合）",
    median: "中央値",
    quartiles: "四分位範囲",
    groups: "分野別のスコア",
    group: "分野",
    gaps: "優先して取り組むこと",
    no_gaps: "すべての項目で最良の回答でした。取り組みを維持してください。",
    your_answer: "貴社の回答",
    peers_better: "既により進んでいる同業の割合",
    clauses: "関連する規格・指針",
    first_step: "求められていることと最初の一歩",
    items: "項目別の回答",
    item: "項目",
    score: "スコア",
    basis_segment: "同じ業態の回答者と比べた順に並べています。",
    basis_all: "同じ業態の回答が少ないため、回答者全体と比べた順に並べています。",
    how: "スコアは各項目の回答を 完了=100、準備中=50、未着手=0 として平均したものです（未回答と「該当なし」は除きます）。",
    legend: "● 貴社　｜ 同じ業態の中央値　■ 同じ業態の四分位範囲（少ない場合は回答者全体）",
};

const EN: Words = Words {
    lang: "en",
    heading: "Feedback",
    overall: "Overall score",
    your_score: "Your score",
    all: "All respondents",
    segment: "Same licence class",
    percentile: "Percentile (share scoring lower)",
    median: "Median",
    quartiles: "Interquartile range",
    groups: "Scores by area",
    group: "Area",
    gaps: "What to do first",
    no_gaps: "You gave the best answer on every item. Keep it up.",
    your_answer: "Your answer",
    peers_better: "Peers already further ahead",
    clauses: "Clauses",
    first_step: "What is expected, and a first step",
    items: "Your answers",
    item: "Item",
    score: "Score",
    basis_segment: "Ordered by how many respondents of your licence class already do better.",
    basis_all: "Your licence class has too few responses, so this is ordered against all respondents.",
    how: "Scores average your answers with in place = 100, in preparation = 50, not started = 0 (unanswered and not-applicable answers left out).",
    legend: "● you　| median of your licence class　■ its interquartile range (all respondents when the class is small)",
};

const STYLE: &str = r#"
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "Noto Sans CJK JP", "IPAexGothic", "Hiragino Sans", "Yu Gothic", sans-serif; color: #1a1a1a; margin: 0 auto; max-width: 190mm; padding: 8mm 6mm; line-height: 1.6; font-size: 10.5pt; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 13.5pt; border-bottom: 2px solid #0072B2; padding-bottom: 1mm; margin-top: 8mm; }
p.meta, p.note { color: #444; }
p.note { font-size: 9pt; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 3mm; font-size: 9.5pt; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eef3f8; }
td.num { text-align: right; white-space: nowrap; }
ol.gaps > li { margin-bottom: 4mm; break-inside: avoid; }
.score { font-size: 20pt; font-weight: bold; color: #0072B2; }
"#;

fn pct(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{:.0}", v * 100.0))
}

fn figures(h: &mut String, label: &str, f: &PeerFigures) {
    let _ = write!(h, "<tr><th scope=\"row\">{}（n={}）</th>", esc(label), f.peer_n);
    match &f.withheld {
        Some(reason) => {
            let _ = write!(h, "<td colspan=\"3\">{}</td>", esc(reason));
        }
        None => {
            let _ = write!(
                h,
                "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}–{}</td>",
                f.percentile.map_or("—".into(), |p| format!("{p:.0}%")),
                pct(f.peer_median),
                pct(f.peer_q1),
                pct(f.peer_q3)
            );
        }
    }
    h.push_str("</tr>\n");
}

/// The respondent's score on a 0–100 scale, with the peers' quartiles as a box and their
/// median as a line, when they may be shown.
fn scale(h: &mut String, title: &str, s: &Standing) {
    let f = if s.segment.withheld.is_none() { &s.segment } else { &s.all };
    let x = |v: f64| 20.0 + v * 400.0;
    let _ = write!(
        h,
        "<svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 440 46\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(title)
    );
    h.push_str("<line x1=\"20\" y1=\"24\" x2=\"420\" y2=\"24\" stroke=\"#999\"/>");
    for t in [0, 25, 50, 75, 100] {
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"44\" font-size=\"9\" text-anchor=\"middle\">{t}</text>",
            x(f64::from(t) / 100.0)
        );
    }
    if let (None, Some(q1), Some(q3), Some(m)) = (&f.withheld, f.peer_q1, f.peer_q3, f.peer_median) {
        let _ = write!(
            h,
            "<rect x=\"{:.1}\" y=\"14\" width=\"{:.1}\" height=\"20\" fill=\"#56B4E9\" opacity=\"0.6\"/>",
            x(q1),
            (x(q3) - x(q1)).max(1.0)
        );
        let _ = write!(
            h,
            "<line x1=\"{0:.1}\" y1=\"12\" x2=\"{0:.1}\" y2=\"36\" stroke=\"#0072B2\" stroke-width=\"2\"/>",
            x(m)
        );
    }
    if let Some(score) = s.score {
        let _ = write!(h, "<circle cx=\"{:.1}\" cy=\"24\" r=\"7\" fill=\"#D55E00\"/>", x(score));
    }
    h.push_str("</svg>\n");
}

pub fn render(f: &Feedback) -> String {
    let english = f.language.to_lowercase().contains("(en)") || f.language.to_lowercase().starts_with("en");
    let w = if english { &EN } else { &JA };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n{CSP_META}\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        w.lang,
        w.heading,
        esc(&f.title)
    );
    let _ = writeln!(h, "<h1>{}</h1>\n<p class=\"meta\">{}</p>", w.heading, esc(&f.title));
    if let Some(s) = &f.segment {
        let _ = writeln!(h, "<p class=\"meta\">{}: {}</p>", w.segment, esc(&s.label));
    }
    let segment_label = f.segment.as_ref().map_or(w.segment, |s| s.label.as_str());

    let _ = writeln!(h, "<h2>{}</h2>\n<p><span class=\"score\">{}</span> / 100</p>", w.overall, pct(f.overall.score));
    scale(&mut h, w.overall, &f.overall);
    let _ = writeln!(h, "<p class=\"note\">{}</p>", w.legend);
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th scope=\"col\"></th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>",
        w.percentile, w.median, w.quartiles
    );
    figures(&mut h, segment_label, &f.overall.segment);
    figures(&mut h, w.all, &f.overall.all);
    h.push_str("</tbody>\n</table>\n");
    let _ = writeln!(h, "<p class=\"note\">{}</p>", w.how);

    let _ = writeln!(h, "<h2>{}</h2>", w.gaps);
    if f.gaps.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", w.no_gaps);
    } else {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>\n<ol class=\"gaps\">",
            if f.gap_basis == "segment" { w.basis_segment } else { w.basis_all }
        );
        for gap in &f.gaps {
            let _ = writeln!(h, "<li><strong>{}</strong>", esc(&gap.label));
            let _ = writeln!(h, "<br>{}: {}", w.your_answer, esc(&gap.answer_label));
            if let Some(p) = gap.peers_better {
                let _ = writeln!(h, " · {}: {p:.0}%", w.peers_better);
            }
            if let Some(r) = &gap.reference {
                let _ = writeln!(h, "<br>{}: {}", w.clauses, esc(r));
            }
            if let Some(g) = &gap.guidance {
                let _ = writeln!(h, "<br>{}: {}", w.first_step, esc(g));
            }
            h.push_str("</li>\n");
        }
        h.push_str("</ol>\n");
    }

    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}（{}）</th><th scope=\"col\">{}（{}）</th></tr></thead>\n<tbody>",
        w.groups,
        w.group,
        w.your_score,
        w.median,
        esc(segment_label),
        w.median,
        w.all
    );
    for (name, s) in f.groups.iter() {
        let label = f.group_labels.get(name).map_or(name, String::as_str);
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(label),
            pct(s.score),
            pct(s.segment.peer_median),
            pct(s.all.peer_median)
        );
    }
    h.push_str("</tbody>\n</table>\n");

    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>",
        w.items, w.item, w.your_answer, w.score
    );
    for item in &f.items {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(&item.label),
            esc(&item.answer_label),
            pct(item.score)
        );
    }
    h.push_str("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
    h
}
