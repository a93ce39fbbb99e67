//! What a password of the office's users must be (NIST SP 800-63B's advice): long enough, and
//! not one that guessers try first — common passwords and words with digits or symbols around
//! them, the login name, the product's own name, one character repeated or a keyboard run.

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// Words guessers try first (with digits and symbols added, and in any case); from the usual
/// lists of leaked passwords, plus this product's and its users' own words.
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "qwerty",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "abc",
    "abcdef",
    "admin",
    "administrator",
    "welcome",
    "letmein",
    "iloveyou",
    "monkey",
    "dragon",
    "master",
    "login",
    "changeme",
    "secret",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "superman",
    "trustno",
    "mamori",
    "survey",
    "office",
    "medical",
    "device",
    "security",
    "hospital",
    "tokyo",
    "japan",
    "nippon",
];

/// Why `password` is refused for the user `login` (in Japanese, for the office's pages), or
/// `None` when it is acceptable.
pub fn problem(password: &str, login: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD {
        return Some(format!("パスワードは {MIN_PASSWORD} 文字以上にしてください。"));
    }
    let lower = password.to_lowercase();
    // The letters left when digits, spaces and symbols are taken away.
    let core: String = lower.chars().filter(|c| c.is_alphabetic()).collect();
    let distinct = lower.chars().collect::<std::collections::BTreeSet<_>>().len();
    let login = login.trim().to_lowercase();
    let sequence = "01234567890123456789abcdefghijklmnopqrstuvwxyzqwertyuiopasdfghjklzxcvbnm";
    // A common word, as typed or with the usual letter-for-symbol swaps, with little around it.
    let unswapped: String = lower
        .chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '$' | '5' => 's',
            '7' => 't',
            c => c,
        })
        .collect();
    let length = lower.chars().count();
    let word_with_little_else =
        COMMON.iter().any(|w| (lower.contains(w) || unswapped.contains(w)) && length - w.chars().count() < 8);
    if distinct < 5
        || word_with_little_else
        || core.is_empty()
        || COMMON.contains(&core.as_str())
        || (!login.is_empty() && (core == login || lower.contains(&login)))
        || sequence.contains(&lower)
    {
        return Some(
            "推測されやすいパスワードです（よく使われる語やログイン名に数字を足したもの、同じ文字や並びの繰り返しなど）。\
             無関係な単語をいくつか組み合わせた長い文にしてください。"
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn guessable_passwords_are_refused_and_long_unusual_ones_accepted() {
        for weak in [
            "short",
            "password1234",
            "Password!2024",
            "P@ssw0rd2024",
            "123456789012",
            "aaaaaaaaaaaaaa",
            "qwertyuiop12",
            "office-admin1",
            "yamada-2024!!",
        ] {
            assert!(problem(weak, "yamada").is_some(), "{weak} was accepted");
        }
        for strong in ["correct horse battery staple", "青い鳥が三羽、川を渡っていく", "kumo-no-ue-de-hirune-suru"]
        {
            assert_eq!(problem(strong, "yamada"), None, "{strong}");
        }
    }
}
