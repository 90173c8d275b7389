//! Numbers the agencies issue, in the formats the real systems use.

use rand::Rng;
use sqlx::SqliteConnection;

use crate::validate::Sex;

/// A 12-digit personal identification number (Circular 59/2021/TT-BCA): 3-digit province code,
/// 1 digit for century and sex, the last 2 digits of the birth year, 6 random digits.
/// `None` when the birth year is outside 1900-2399, which the format cannot express.
pub(crate) fn personal_id(province: &str, birth_year: i32, sex: Sex) -> Option<String> {
    if !(1900..2400).contains(&birth_year) {
        return None;
    }
    let century = (birth_year - 1900) / 100;
    let century_sex = century * 2 + i32::from(sex == Sex::Female);
    let serial: u32 = rand::rng().random_range(0..1_000_000);
    Some(format!(
        "{province}{century_sex}{:02}{serial:06}",
        birth_year % 100
    ))
}

/// The 2-digit province code Vietnam Social Security uses: the last two digits of the
/// 3-digit code at the start of a personal ID.
pub(crate) fn insurance_province(personal_id: &str) -> &str {
    personal_id.get(1..3).unwrap_or("00")
}

/// A 10-digit social-insurance number: 2-digit province code, then 8 random digits.
pub(crate) fn social_insurance_number(province: &str) -> String {
    let serial: u32 = rand::rng().random_range(0..100_000_000);
    format!("{province}{serial:08}")
}

/// A child's health-insurance card number: "TE" (child under 6), benefit level 1, the
/// 2-digit province code, then the 10-digit social-insurance number.
pub(crate) fn child_card_number(province: &str, social_insurance_number: &str) -> String {
    format!("TE1{province}{social_insurance_number}")
}

/// Next value of a per-year counter (register book numbers restart every year).
pub(crate) async fn next_in_sequence(
    conn: &mut SqliteConnection,
    name: &str,
    year: i32,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sequences (name, year, last_value) VALUES (?1, ?2, 1)
         ON CONFLICT (name, year) DO UPDATE SET last_value = last_value + 1
         RETURNING last_value",
    )
    .bind(name)
    .bind(year)
    .fetch_one(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_id_encodes_province_century_sex_and_year() {
        let id = personal_id("001", 2026, Sex::Female).expect("year in range");
        assert_eq!(id.len(), 12);
        assert!(id.starts_with("001326"));
        let id = personal_id("079", 1999, Sex::Male).expect("year in range");
        assert!(id.starts_with("079099"));
        assert!(personal_id("001", 1850, Sex::Male).is_none());
    }

    #[test]
    fn card_number_is_fifteen_characters() {
        let province = insurance_province("001190012345");
        assert_eq!(province, "01");
        let sin = social_insurance_number(province);
        assert_eq!(sin.len(), 10);
        let card = child_card_number(province, &sin);
        assert_eq!(card.len(), 15);
        assert!(card.starts_with("TE101"));
    }
}
