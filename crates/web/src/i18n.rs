//! The respondent pages' own words, Japanese first.

use serde::Serialize;

#[derive(Serialize)]
pub struct Words {
    pub language: &'static str,
    pub page: &'static str,
    pub progress: &'static str,
    pub required: &'static str,
    pub errors_title: &'static str,
    pub back: &'static str,
    pub save: &'static str,
    pub next: &'static str,
    pub to_review: &'static str,
    pub resume_note: &'static str,
    pub review_title: &'static str,
    pub edit: &'static str,
    pub submit: &'static str,
    pub resubmit: &'static str,
    pub thanks_title: &'static str,
    pub previous_answer: &'static str,
    /// A rank question's instructions, and the name of a place in it (`{n}` the place).
    pub rank_hint: &'static str,
    pub rank_place: &'static str,
    /// A file question: the document stored now, removing it, what is accepted (`{types}`,
    /// `{max}` megabytes), and why a document was refused (`{ext}` its extension).
    pub file_current: &'static str,
    pub file_remove: &'static str,
    pub file_limits: &'static str,
    pub file_too_large: &'static str,
    pub file_wrong_type: &'static str,
    pub file_wrong_content: &'static str,
    pub file_empty: &'static str,
    pub previous_none: &'static str,
    pub thanks: &'static str,
    pub view_answers: &'static str,
    pub already_submitted: &'static str,
    pub saved: &'static str,
    pub not_found: &'static str,
    pub not_found_text: &'static str,
    pub closed: &'static str,
    pub closed_text: &'static str,
    pub forbidden: &'static str,
    pub forbidden_text: &'static str,
    pub unanswered: &'static str,
    pub too_many: &'static str,
    pub too_many_text: &'static str,
    pub not_open: &'static str,
    pub not_open_text: &'static str,
    pub print: &'static str,
    pub submitted_at: &'static str,
    pub feedback: &'static str,
    pub feedback_pdf: &'static str,
    pub feedback_not_yet: &'static str,
    pub feedback_not_yet_text: &'static str,
    pub register_title: &'static str,
    pub register_intro: &'static str,
    pub company: &'static str,
    pub license: &'static str,
    pub email: &'static str,
    pub register: &'static str,
    pub registered_title: &'static str,
    pub registered_text: &'static str,
    pub field_needed: &'static str,
    pub email_invalid: &'static str,
    pub choose: &'static str,
    pub pending: &'static str,
    pub changed: &'static str,
    pub changed_text: &'static str,
    pub not_saved: &'static str,
    pub not_saved_text: &'static str,
}

pub const JA: Words = Words {
    language: "言語",
    page: "ページ",
    progress: "進み具合",
    required: "必須",
    errors_title: "入力内容を確認してください",
    back: "前へ",
    save: "一時保存",
    next: "次へ",
    to_review: "回答を確認する",
    resume_note: "回答はページを移るたびに保存されます。このリンクからいつでも続きを回答できます。",
    review_title: "回答の確認",
    edit: "修正する",
    submit: "回答を送信する",
    resubmit: "修正を送信する",
    thanks_title: "ご回答ありがとうございました",
    previous_answer: "前回の回答",
    rank_hint: "1位が最も重要です。順位ごとに選択肢を一つ選び、すべての選択肢に違う順位をつけてください。",
    rank_place: "{n}位",
    file_current: "保存済みのファイル",
    file_remove: "このファイルを削除する",
    file_limits: "受け付ける形式：{types}（{max} MB まで）。別のファイルを選ぶと差し替えます。",
    file_too_large: "ファイルが大きすぎます。{max} MB 以下のファイルを選んでください。",
    file_wrong_type: "この形式のファイルは受け付けていません。{types} のいずれかを選んでください。",
    file_wrong_content: "ファイルの中身が拡張子 .{ext} の形式ではありません。正しいファイルか、拡張子を確かめてください。",
    file_empty: "ファイルが空です（0 バイト）。中身のあるファイルを選んでください。",
    previous_none: "（回答なし）",
    thanks: "回答を受け付けました。締切日までは、同じリンクから回答を修正できます。",
    view_answers: "回答を表示・印刷する",
    already_submitted: "回答は送信済みです。締切日まで修正できます。修正後はもう一度送信してください。",
    saved: "保存しました。",
    not_found: "ページが見つかりません",
    not_found_text: "このリンクは無効です。調査事務局からのご案内メールのリンクをお使いください。",
    closed: "回答期間は終了しました",
    closed_text: "この調査の回答期間は終了しました。回答の表示はできますが、変更はできません。",
    forbidden: "操作を受け付けられませんでした",
    forbidden_text: "ページの有効期限が切れた可能性があります。もう一度ページを開いてから操作してください。",
    unanswered: "（未回答）",
    too_many: "しばらくお待ちください",
    too_many_text: "無効なリンクへのアクセスが続いたため、一時的に受け付けを停止しています。10分ほど待ってから、ご案内メールのリンクを開いてください。",
    not_open: "回答期間前です",
    not_open_text: "この調査の回答受付開始日は次のとおりです：",
    print: "印刷用に表示する",
    submitted_at: "送信日時",
    feedback: "フィードバック（同業他社との比較と取り組むべきこと）を見る",
    feedback_pdf: "フィードバックをPDFで保存する",
    feedback_not_yet: "フィードバックはまだ公開されていません",
    feedback_not_yet_text: "調査事務局が回答の集計を終えると、このリンクからフィードバックを見られるようになります。回答を送信していない場合は、送信後にご覧いただけます。",
    register_title: "調査への参加登録",
    register_intro: "会社名・業態・メールアドレスを登録すると、貴社専用の回答用リンクをメールでお送りします。",
    company: "会社名",
    license: "業態（許可の種類）",
    email: "メールアドレス",
    register: "登録して回答用リンクを受け取る",
    registered_title: "登録を受け付けました",
    registered_text: "ご登録のメールアドレスに回答用リンクをお送りしました。メールが届かない場合は、迷惑メールフォルダをご確認ください。",
    field_needed: "入力してください。",
    email_invalid: "メールアドレスの形式ではありません（例：name@example.co.jp）。",
    choose: "選んでください。",
    pending: "修正はまだ送信されていません。送信するまで、事務局には前回送信した回答が届いています。",
    changed: "回答が変わりました",
    changed_text: "送信の間に別の画面で回答が保存されました。確認画面を開き直し、もう一度送信してください。",
    not_saved: "保存できませんでした",
    not_saved_text: "回答を保存できませんでした（保存されていません）。しばらくしてから、もう一度お試しください。",
};

pub const EN: Words = Words {
    language: "Language",
    page: "Page",
    progress: "Progress",
    required: "required",
    errors_title: "Please check your answers",
    back: "Back",
    save: "Save",
    next: "Next",
    to_review: "Review answers",
    resume_note: "Your answers are saved on every page. Use this link at any time to continue.",
    review_title: "Review your answers",
    edit: "Edit",
    submit: "Submit answers",
    resubmit: "Submit corrections",
    thanks_title: "Thank you for your answers",
    previous_answer: "Your previous answer",
    rank_hint: "Place 1 is the most important. Choose one choice for each place, every choice in a place of its own.",
    rank_place: "Place {n}",
    file_current: "Document stored",
    file_remove: "Remove this document",
    file_limits: "Accepted: {types} (up to {max} MB). Choosing another file replaces it.",
    file_too_large: "The file is too large. Choose a file of {max} MB or less.",
    file_wrong_type: "Files of this type are not accepted. Choose one of: {types}.",
    file_wrong_content: "The file's content is not what its extension .{ext} says. Check the file or its extension.",
    file_empty: "The file is empty (0 bytes). Choose a file with content.",
    previous_none: "(not answered)",
    thanks: "Your answers were received. Until the closing date you can correct them with the same link.",
    view_answers: "View or print your answers",
    already_submitted: "Your answers were submitted. You can correct them until the closing date; submit again afterwards.",
    saved: "Saved.",
    not_found: "Page not found",
    not_found_text: "This link is not valid. Please use the link in the invitation e-mail from the survey office.",
    closed: "The survey is closed",
    closed_text: "This survey has closed. You can view your answers but not change them.",
    forbidden: "The request was not accepted",
    forbidden_text: "The page may have expired. Please open it again and retry.",
    unanswered: "(not answered)",
    too_many: "Please wait a while",
    too_many_text: "Too many requests with invalid links came from your network. Please wait about ten minutes, then open the link in your invitation e-mail.",
    not_open: "The survey has not opened yet",
    not_open_text: "The survey opens on ",
    print: "Printable view",
    submitted_at: "Submitted",
    feedback: "See your feedback (how you compare with peers, and what to do next)",
    feedback_pdf: "Save the feedback as PDF",
    feedback_not_yet: "Feedback is not available yet",
    feedback_not_yet_text: "Once the survey office has finished analysing the answers, your feedback will appear at this link. If you have not submitted your answers yet, it appears after you do.",
    register_title: "Register for the survey",
    register_intro: "Register your company, its licence class and an e-mail address; we will send your company's personal answer link by e-mail.",
    company: "Company name",
    license: "Licence class",
    email: "E-mail address",
    register: "Register and receive the link",
    registered_title: "Registration received",
    registered_text: "We have sent the answer link to the address you gave. If it does not arrive, please check your spam folder.",
    field_needed: "Please fill this in.",
    email_invalid: "This is not an e-mail address (for example name@example.com).",
    choose: "Please choose one.",
    pending: "Your corrections have not been submitted yet. Until you submit them, the survey office has the answers you submitted before.",
    changed: "Your answers changed",
    changed_text: "Answers were saved in another window while you were submitting. Open the review page again and submit once more.",
    not_saved: "Not saved",
    not_saved_text: "Your answers could not be saved (nothing was stored). Please try again in a moment.",
};

pub fn words(code: &str) -> &'static Words {
    if code == "en" { &EN } else { &JA }
}

/// Japan's offset from UTC: surveys run, and dates are shown, in Japanese time.
const JST: i64 = 9 * 3600;

/// A day as the reader writes it: `2024年10月31日` or `31 October 2024`.
pub fn day(unix: i64, language: &str) -> String {
    let (y, m, d) = mamori_form::dates::civil_from_days((unix + JST).div_euclid(86_400));
    if language == "en" {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        format!("{d} {} {y}", MONTHS[m as usize - 1])
    } else {
        format!("{y}年{m}月{d}日")
    }
}

/// Template filter: Unix seconds as `2024-10-31 14:05` (Japanese time).
pub fn datetime(unix: Option<i64>) -> String {
    let Some(unix) = unix else { return "—".into() };
    let local = unix + JST;
    let date = mamori_form::dates::format_date(local.div_euclid(86_400));
    let minutes = local.rem_euclid(86_400) / 60;
    format!("{date} {:02}:{:02}", minutes / 60, minutes % 60)
}

/// Template filter: Unix seconds as `2024-10-31` (Japanese time).
pub fn date(unix: Option<i64>) -> String {
    unix.map_or_else(|| "—".into(), |u| mamori_form::dates::format_date((u + JST).div_euclid(86_400)))
}

/// A date typed by the office (`2024-10-31`) as the Unix seconds of that day's start in Japan,
/// or of its end with `end_of_day`.
pub fn parse_day(text: &str, end_of_day: bool) -> Option<i64> {
    let days = mamori_form::dates::parse_date(text.trim())?;
    Some(days * 86_400 - JST + if end_of_day { 86_399 } else { 0 })
}

/// Unix seconds as an RFC 3339 time in UTC (`2026-12-07T05:30:00Z`), for documents the hub
/// writes.
pub fn rfc3339(unix: i64) -> String {
    let date = mamori_form::dates::format_date(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!("{date}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// Unix seconds as `2024-10-31 14:05:09` (Japanese time), for the audit log.
pub fn datetime_seconds(unix: i64) -> String {
    let local = unix + JST;
    let date = mamori_form::dates::format_date(local.div_euclid(86_400));
    let s = local.rem_euclid(86_400);
    format!("{date} {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_japanese_days() {
        // 2024-10-31 15:00 UTC is already 1 November in Japan.
        let t = mamori_form::dates::days_from_civil(2024, 10, 31) * 86_400 + 15 * 3600;
        assert_eq!(day(t, "ja"), "2024年11月1日");
        assert_eq!(day(t, "en"), "1 November 2024");
        assert_eq!(datetime(Some(t)), "2024-11-01 00:00");
        assert_eq!(parse_day("2024-11-01", false), Some(t));
        assert_eq!(parse_day("2024-11-01", true), Some(t + 86_399));
        assert_eq!(parse_day("11/01", false), None);
    }
}
