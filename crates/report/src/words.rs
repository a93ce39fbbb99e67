//! The report's own words, in Japanese (the default) and English.

#[derive(serde::Serialize)]
pub struct Words {
    pub lang: &'static str,
    pub respondents: &'static str,
    pub overall: &'static str,
    pub findings: &'static str,
    pub no_findings: &'static str,
    pub segments: &'static str,
    pub indicators: &'static str,
    pub lagging: &'static str,
    pub lagging_note: &'static str,
    pub method: &'static str,
    pub method_text: &'static [&'static str],
    pub published: &'static str,
    pub analyst: &'static str,
    pub suppressed: &'static str,
    pub answered: &'static str,
    pub mentions: &'static str,
    pub share_of_mentions: &'static str,
    pub share_of_respondents: &'static str,
    /// rank: each choice's mean place, how many put it first and their share.
    pub mean_rank: &'static str,
    pub first_place: &'static str,
    pub first_place_share: &'static str,
    pub rank_note: &'static str,
    pub rank_sheet: &'static str,
    pub segment: &'static str,
    pub item: &'static str,
    pub value: &'static str,
    pub share_best: &'static str,
    pub share_rest: &'static str,
    pub test: &'static str,
    pub sum: &'static str,
    pub mean: &'static str,
    pub median: &'static str,
    pub q1: &'static str,
    pub q3: &'static str,
    pub min: &'static str,
    pub max: &'static str,
    pub category: &'static str,
    pub count: &'static str,
    pub numerator: &'static str,
    pub denominator: &'static str,
    pub version: &'static str,
    pub summary: &'static str,
    pub numbers_sheet: &'static str,
    pub text_sheet: &'static str,
    pub chi_square: &'static str,
    pub fisher_exact: &'static str,
    pub fisher_monte_carlo: &'static str,
}

pub const JA: Words = Words {
    lang: "ja",
    respondents: "回答数",
    overall: "全体",
    findings: "主な所見",
    no_findings: "統計的に有意な遅れは見られませんでした。",
    segments: "回答者の内訳",
    indicators: "指標",
    lagging: "遅れている区分",
    lagging_note: "各区分の「最良の回答」（スコアが最も高い選択肢）の割合を、その他の回答者全体と比べた片側Fisher正確検定。Holm法で補正後 p < 0.05 のもの。",
    method: "集計と検定の方法",
    method_text: &[
        "割合の分母は、その質問の対象となり回答した回答者数（n）です。",
        "区分による差は、期待度数が5以上ならPearsonのカイ二乗検定、5未満ならFisherの正確検定（2×2は厳密計算、それより大きい表は周辺度数を固定した10,000表のモンテカルロ法）で検定し、p値は報告全体でHolm法により補正しています。",
        "95%信頼区間はWilson法によります。",
    ],
    published: "公表用：5未満の度数、回答者が少ない区分、最小値・最大値は伏せています（伏せた箇所は「—」）。",
    analyst: "分析者用：すべての度数を表示しています。公表前に --publish で秘匿処理をしてください。",
    suppressed: "—",
    answered: "回答者数",
    mentions: "延べ回答数",
    share_of_mentions: "全回答に占める割合",
    share_of_respondents: "回答者に占める割合",
    mean_rank: "平均順位",
    first_place: "1位とした数",
    first_place_share: "1位とした割合",
    rank_note: "順位は 1 が最も重要。平均順位が小さいほど上位に置かれています。",
    rank_sheet: "順位",
    segment: "区分",
    item: "項目",
    value: "値",
    share_best: "区分内の割合",
    share_rest: "その他の割合",
    test: "検定",
    sum: "合計",
    mean: "平均",
    median: "中央値",
    q1: "第1四分位",
    q3: "第3四分位",
    min: "最小",
    max: "最大",
    category: "分類",
    count: "件数",
    numerator: "分子",
    denominator: "分母",
    version: "版",
    summary: "概要",
    numbers_sheet: "数値項目",
    text_sheet: "自由記述",
    chi_square: "カイ二乗検定",
    fisher_exact: "Fisherの正確検定",
    fisher_monte_carlo: "Fisherの正確検定（モンテカルロ法）",
};

pub const EN: Words = Words {
    lang: "en",
    respondents: "Responses",
    overall: "All",
    findings: "Main findings",
    no_findings: "No group lags behind significantly.",
    segments: "Respondents",
    indicators: "Indicators",
    lagging: "Lagging groups",
    lagging_note: "Share of the best answer (the highest-scored choice) in each group against all other respondents together: one-sided Fisher exact test, Holm-adjusted p < 0.05.",
    method: "Method",
    method_text: &[
        "Shares are of the respondents a question applied to who answered it (n).",
        "Differences between groups: Pearson's chi-square test where every expected count is 5 or more, else Fisher's exact test (exact for 2×2 tables, Monte Carlo with 10,000 tables of fixed margins for larger ones); p-values Holm-adjusted across the report.",
        "95% intervals are Wilson score intervals.",
    ],
    published: "For publication: counts below 5, small groups and extreme values are withheld (shown as —).",
    analyst: "For analysts: all counts are shown. Use --publish before publishing.",
    suppressed: "—",
    answered: "Respondents",
    mentions: "Mentions",
    share_of_mentions: "Share of mentions",
    share_of_respondents: "Share of respondents",
    mean_rank: "Mean rank",
    first_place: "Ranked first",
    first_place_share: "Share ranking it first",
    rank_note: "Place 1 is the most important: the lower the mean rank, the higher the choice was placed.",
    rank_sheet: "Rankings",
    segment: "Group",
    item: "Item",
    value: "Value",
    share_best: "Share in group",
    share_rest: "Share of others",
    test: "Test",
    sum: "Sum",
    mean: "Mean",
    median: "Median",
    q1: "Q1",
    q3: "Q3",
    min: "Min",
    max: "Max",
    category: "Category",
    count: "Count",
    numerator: "Numerator",
    denominator: "Denominator",
    version: "version",
    summary: "Summary",
    numbers_sheet: "Numbers",
    text_sheet: "Free text",
    chi_square: "chi-square test",
    fisher_exact: "Fisher's exact test",
    fisher_monte_carlo: "Fisher's exact test (Monte Carlo)",
};

pub fn for_language(language: &str) -> &'static Words {
    let l = language.to_lowercase();
    if l.contains("(en)") || l.starts_with("en") { &EN } else { &JA }
}

/// Okabe–Ito colours, distinguishable with the common colour-vision deficiencies.
pub const PALETTE: [&str; 8] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"];

/// Text colour that reads on a palette colour.
pub fn ink_on(colour: &str) -> &'static str {
    match colour {
        "#E69F00" | "#F0E442" | "#56B4E9" | "#999999" => "#000000",
        _ => "#FFFFFF",
    }
}

pub fn count(n: Option<u64>, w: &Words) -> String {
    match n {
        None => w.suppressed.to_string(),
        Some(n) => {
            let digits = n.to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            out
        }
    }
}

pub fn pct(p: Option<f64>, w: &Words) -> String {
    p.map_or_else(|| w.suppressed.to_string(), |p| format!("{p:.1}%"))
}

/// `p < 0.001` or `p = 0.012`.
pub fn p_value(p: f64) -> String {
    if p < 0.001 { "p < 0.001".into() } else { format!("p = {p:.3}") }
}

pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x:.2}") }
}
