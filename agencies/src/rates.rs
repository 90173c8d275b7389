//! Amounts the simulated agencies pay on a death, at the levels in force since 1 July 2024.

/// The reference level (mức tham chiếu) of the 2024 Law on Social Insurance, equal to the base
/// salary (lương cơ sở) since 1 July 2024.
pub const REFERENCE_LEVEL_VND: i64 = 2_340_000;

/// Social insurance's funeral allowance (trợ cấp mai táng) for a pensioner or insured person:
/// 10 times the reference level.
pub const FUNERAL_ALLOWANCE_VND: i64 = 10 * REFERENCE_LEVEL_VND;

/// The social-assistance standard level (mức chuẩn trợ giúp xã hội, Decree 76/2024/NĐ-CP).
pub const SOCIAL_ASSISTANCE_STANDARD_VND: i64 = 500_000;

/// The labour office's burial support for a social-protection beneficiary: 20 times the
/// social-assistance standard level (Decree 20/2021/NĐ-CP, art. 11).
pub const BURIAL_SUPPORT_SOCIAL_PROTECTION_VND: i64 = 20 * SOCIAL_ASSISTANCE_STANDARD_VND;

/// The labour office's burial support for a person with meritorious services: the social
/// insurance funeral allowance (Decree 131/2021/NĐ-CP).
pub const BURIAL_SUPPORT_MERITORIOUS_VND: i64 = FUNERAL_ALLOWANCE_VND;

/// Contribution years from which an insured person's survivors get a monthly benefit instead
/// of a one-time one (pensioners' survivors always do).
pub const MONTHLY_SURVIVOR_MIN_YEARS: i64 = 15;
