//! The results in words, as the seed report states its problem areas.

use crate::model::Analysis;
use mamori_form::Form;

pub(crate) fn in_words(form: &Form, analysis: &Analysis) -> Vec<String> {
    let english =
        analysis.language.to_lowercase().contains("(en)") || analysis.language.to_lowercase().starts_with("english");
    let mut out = Vec::new();
    // Lagging groups, one sentence per segment, items in the form's order.
    let mut segments: Vec<(&str, &str)> = Vec::new();
    for lag in &analysis.lagging {
        let key = (lag.segment_question.as_str(), lag.segment.as_str());
        if !segments.contains(&key) {
            segments.push(key);
        }
    }
    for (question, segment) in segments {
        let label = analysis.labels.segments.get(question).and_then(|s| s.get(segment)).map_or(segment, String::as_str);
        let mut lags: Vec<_> =
            analysis.lagging.iter().filter(|l| l.segment_question == question && l.segment == segment).collect();
        lags.sort_by_key(|l| form.questions.iter().position(|q| q.name == l.item));
        let item_label =
            |name: &str| analysis.items.iter().find(|i| i.name == name).map_or(name.to_string(), |i| i.label.clone());
        if english {
            let list: Vec<String> =
                lags.iter().map(|l| format!("“{}” ({}% vs {}%)", item_label(&l.item), l.share, l.share_rest)).collect();
            out.push(format!("“{label}” lags behind all other respondents on {} (share of the best answer; Holm-adjusted one-sided Fisher exact p < 0.05).", list.join(", ")));
        } else {
            let list: String = lags.iter().map(|l| format!("「{}」", item_label(&l.item))).collect();
            let detail: Vec<String> = lags.iter().map(|l| format!("{}%対{}%", l.share, l.share_rest)).collect();
            out.push(format!("{label}は{list}で遅れている（最良の回答の割合、その他の回答者との比較：{}。Holm補正後の片側Fisher正確検定 p < 0.05）。", detail.join("、")));
        }
    }
    // The most named challenge of each multiple-choice question.
    for item in analysis.items.iter().filter(|i| i.kind == "select_multiple") {
        let top = item.mention_share.iter().filter_map(|(k, v)| v.map(|v| (k, v))).max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((choice, share)) = top {
            let choice_label = item.choice_labels.get(choice).map_or(choice, String::as_str);
            out.push(if english {
                format!("“{}”: the most named answer is “{choice_label}”, {share}% of all mentions.", item.label)
            } else {
                format!("「{}」で最も多く挙げられたのは「{choice_label}」（全回答の{share}%）。", item.label)
            });
        }
    }
    out
}
