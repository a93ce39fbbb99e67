//! Organisations across campaigns: each participant carries an organisation id that stays the
//! same from one wave to the next, so that the panel (organisations that answered both) can be
//! found. With a 法人番号 (the 13-digit corporate number of Japan's National Tax Agency) the id
//! is that number, so that a company imported afresh next year is still recognised; without
//! one it is a random id carried along when a campaign is created from its predecessor.

use crate::random_hex;

/// A corporate number as written (full-width digits and hyphens allowed), checked: 13 digits
/// whose first is the check digit of the other twelve. Returns the 13 ASCII digits, or what to
/// change.
pub fn corporate_number(written: &str) -> Result<String, String> {
    let digits: String = written
        .chars()
        .filter(|c| !matches!(c, '-' | '－' | ' ' | '　'))
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    if digits.chars().count() != 13 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("'{written}' is not a corporate number (法人番号): it has 13 digits"));
    }
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    // The National Tax Agency's rule: counting the twelve base digits from the right (n = 1…12),
    // weights 1 for odd n and 2 for even; check = 9 − (Σ mod 9).
    let sum: u32 = (1..=12).map(|n| d[13 - n] * if n % 2 == 1 { 1 } else { 2 }).sum();
    let check = 9 - sum % 9;
    if d[0] != check {
        return Err(format!(
            "'{written}' is not a valid corporate number (法人番号): its check digit (the first) should be {check}; check for a mistyped digit"
        ));
    }
    Ok(digits)
}

/// The organisation id of a new participant: from its corporate number when it has one, else
/// a fresh random one.
pub fn new_org_id(corporate_number: &str) -> String {
    if corporate_number.is_empty() { format!("org-{}", random_hex(8)) } else { format!("jcn-{corporate_number}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corporate_numbers_are_checked_by_their_check_digit() {
        // The National Tax Agency's own number, as published on its site.
        assert_eq!(corporate_number("7000012050002").as_deref(), Ok("7000012050002"));
        assert_eq!(corporate_number("７０００－０１２０－５０００２").as_deref(), Ok("7000012050002"));
        let err = corporate_number("8000012050002").unwrap_err();
        assert!(err.contains("check digit (the first) should be 7"), "{err}");
        // One digit mistyped in the body changes the check digit.
        assert!(corporate_number("7000012050003").is_err());
        assert!(corporate_number("700001205000").unwrap_err().contains("13 digits"));
        assert!(corporate_number("70000120500０x").is_err());
        assert!(corporate_number("").is_err());
    }

    #[test]
    fn org_ids_come_from_the_corporate_number_when_there_is_one() {
        assert_eq!(new_org_id("7000012050002"), "jcn-7000012050002");
        let (a, b) = (new_org_id(""), new_org_id(""));
        assert!(a.starts_with("org-") && a != b);
    }
}
