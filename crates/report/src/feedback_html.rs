//! A respondent's feedback as one self-contained HTML page: where it stands, and what to do next.
//! The page is `templates/feedback.html`; every string in it is escaped by the template engine.

use crate::templates::{self, Preamble, Shape};
use mamori_analysis::feedback::{Feedback, PeerFigures, Standing};
use serde_json::{Value, json};

#[derive(serde::Serialize)]
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
    change: &'static str,
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
    change: "前回の調査からの変化",
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
    change: "Change since the previous survey",
};

fn pct(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{:.0}", v * 100.0))
}

/// Points on the 0–100 scale with ▲▼ (the direction in a symbol, not in colour alone).
fn points(x: f64) -> String {
    let p = (x * 100.0).round();
    if p > 0.0 {
        format!("▲ +{p:.0}")
    } else if p < 0.0 {
        format!("▼ −{:.0}", -p)
    } else {
        "＝ 0".into()
    }
}

/// The score change in two sentences: the own, then the peers'.
pub(crate) fn change_lines(f: &Feedback, english: bool) -> Option<(String, String)> {
    let c = f.change.as_ref()?;
    let now = f.overall.score.map_or("—".to_string(), |s| format!("{:.0}", s * 100.0));
    let own = if english {
        format!("Previous {:.0} → now {now} ({})", c.previous_score * 100.0, points(c.change))
    } else {
        format!("前回 {:.0} → 今回 {now}（{}）", c.previous_score * 100.0, points(c.change))
    };
    let p = &c.peers;
    let segment = f.segment.as_ref().map_or("", |s| s.label.as_str());
    let who = match (p.basis.as_str(), english) {
        ("segment", false) => format!("両方の調査に回答した同じ業態（{segment}）の組織"),
        ("segment", true) => format!("Organisations of your licence class ({segment}) that answered both surveys"),
        (_, false) => "両方の調査に回答した組織全体".to_string(),
        (_, true) => "All organisations that answered both surveys".to_string(),
    };
    let peers = match (&p.withheld, p.median) {
        (Some(reason), _) => reason.clone(),
        (None, Some(median)) => {
            let q = |x: Option<f64>| x.map_or("—".to_string(), points);
            let up = p.improved_percent.map_or("—".to_string(), |v| format!("{v:.0}%"));
            if english {
                format!(
                    "{who} (n = {}): median change {} (interquartile range {} to {}); {up} raised their score.",
                    p.peer_n,
                    points(median),
                    q(p.q1),
                    q(p.q3)
                )
            } else {
                format!(
                    "{who}（n = {}）の変化：中央値 {}（四分位範囲 {} 〜 {}）、スコアが上がった組織 {up}",
                    p.peer_n,
                    points(median),
                    q(p.q1),
                    q(p.q3)
                )
            }
        }
        (None, None) => String::new(),
    };
    Some((own, peers))
}

fn figures(f: &PeerFigures) -> Value {
    json!({
        "peer_n": f.peer_n,
        "withheld": f.withheld,
        "percentile": f.percentile.map_or("—".into(), |p| format!("{p:.0}%")),
        "median": pct(f.peer_median),
        "q1": pct(f.peer_q1),
        "q3": pct(f.peer_q3),
    })
}

/// The respondent's score on a 0–100 scale, with the peers' quartiles as a box and their
/// median as a line, when they may be shown.
fn scale(s: &Standing) -> Vec<Shape> {
    let f = if s.segment.withheld.is_none() { &s.segment } else { &s.all };
    let x = |v: f64| 20.0 + v * 400.0;
    let mut shapes =
        vec![Shape::new("line").attr("x1", 20).attr("y1", 24).attr("x2", 420).attr("y2", 24).attr("stroke", "#999")];
    for t in [0, 25, 50, 75, 100] {
        shapes.push(
            Shape::new("text")
                .attr("x", x(f64::from(t) / 100.0))
                .attr("y", 44)
                .attr("font-size", 9)
                .attr("text-anchor", "middle")
                .text(&t.to_string()),
        );
    }
    if let (None, Some(q1), Some(q3), Some(m)) = (&f.withheld, f.peer_q1, f.peer_q3, f.peer_median) {
        shapes.push(
            Shape::new("rect")
                .attr("x", format!("{:.1}", x(q1)))
                .attr("y", 14)
                .attr("width", format!("{:.1}", (x(q3) - x(q1)).max(1.0)))
                .attr("height", 20)
                .attr("fill", "#56B4E9")
                .attr("opacity", "0.6"),
        );
        let at = format!("{:.1}", x(m));
        shapes.push(
            Shape::new("line")
                .attr("x1", &at)
                .attr("y1", 12)
                .attr("x2", &at)
                .attr("y2", 36)
                .attr("stroke", "#0072B2")
                .attr("stroke-width", 2),
        );
    }
    if let Some(score) = s.score {
        shapes.push(
            Shape::new("circle")
                .attr("cx", format!("{:.1}", x(score)))
                .attr("cy", 24)
                .attr("r", 7)
                .attr("fill", "#D55E00"),
        );
    }
    shapes
}

pub fn render(f: &Feedback, top: &Preamble) -> String {
    let english = f.language.to_lowercase().contains("(en)") || f.language.to_lowercase().starts_with("en");
    let w = if english { &EN } else { &JA };
    let segment_label = f.segment.as_ref().map_or(w.segment, |s| s.label.as_str());
    let gaps: Vec<Value> = f
        .gaps
        .iter()
        .map(|gap| {
            json!({
                "label": gap.label,
                "answer": gap.answer_label,
                "peers_better": gap.peers_better.map(|p| format!("{p:.0}%")),
                "reference": gap.reference,
                "guidance": gap.guidance,
            })
        })
        .collect();
    let groups: Vec<Value> = f
        .groups
        .iter()
        .map(|(name, s)| {
            json!({
                "label": f.group_labels.get(name).map_or(name, String::as_str),
                "score": pct(s.score),
                "segment": pct(s.segment.peer_median),
                "all": pct(s.all.peer_median),
            })
        })
        .collect();
    let items: Vec<Value> = f
        .items
        .iter()
        .map(|item| json!({ "label": item.label, "answer": item.answer_label, "score": pct(item.score) }))
        .collect();
    let context = json!({
        "w": w,
        "top": top,
        "title": f.title,
        "segment": f.segment.as_ref().map(|s| &s.label),
        "segment_label": segment_label,
        "score": pct(f.overall.score),
        "scale": scale(&f.overall),
        "figures_segment": figures(&f.overall.segment),
        "figures_all": figures(&f.overall.all),
        "basis": if f.gap_basis == "segment" { w.basis_segment } else { w.basis_all },
        "gaps": gaps,
        "groups": groups,
        "items": items,
        "change": change_lines(f, w.lang == "en").map(|(own, peers)| json!({ "own": own, "peers": peers })),
    });
    templates::render("feedback.html", context)
}
