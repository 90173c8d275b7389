//! People seeded in the simulators' registers, for demos and integration tests of the
//! death-registration group (`death-residence-allowance`).
//!
//! Every person below is alive in population with the benefit status their list names, and has
//! an active permanent residence entry in residence, so their death can be registered and their
//! residence deleted. Social insurance knows the pensioners and insured people, the labour
//! office the social-protection beneficiaries and people with meritorious services; nobody else.
//!
//! | benefit status      | personal IDs                                                    | funeral step                       |
//! |---------------------|-----------------------------------------------------------------|------------------------------------|
//! | `none`              | 001060000201, 031172000202, 048085000203                        | none                               |
//! | `pensioner`         | 001048000301, 079152000302, 092050000303                        | social insurance, survivor monthly |
//! | `insured`           | 001078000401, 031180000402 (15+ years of contributions)         | social insurance, survivor monthly |
//! | `insured`           | 048098000403, 079301000404 (under 15 years)                     | social insurance, survivor one-time |
//! | `social_protection` | 001140000501, 031055000502, 092163000503                        | labour office, 10,000,000 VND      |
//! | `meritorious`       | 001038000601, 048142000602, 079049000603                        | labour office, 23,400,000 VND      |
//!
//! Each register is per data directory, so every test that starts its own simulators can use
//! any of these people once: a death cannot be registered twice.

/// Alive, no benefit: no funeral allowance is owed.
pub const NO_BENEFIT: [&str; 3] = ["001060000201", "031172000202", "048085000203"];

/// Alive, receiving a social-insurance pension.
pub const PENSIONERS: [&str; 3] = ["001048000301", "079152000302", "092050000303"];

/// Alive and contributing to social insurance; the first two for 15 years or more (their
/// survivors get a monthly benefit), the last two for less (a one-time benefit).
pub const INSURED: [&str; 4] = [
    "001078000401",
    "031180000402",
    "048098000403",
    "079301000404",
];

/// Alive, receiving monthly social assistance (bảo trợ xã hội).
pub const SOCIAL_PROTECTION: [&str; 3] = ["001140000501", "031055000502", "092163000503"];

/// Alive, a person with meritorious services to the revolution (người có công).
pub const MERITORIOUS: [&str; 3] = ["001038000601", "048142000602", "079049000603"];

/// Every seeded person who can be the deceased, with their benefit status as register-death
/// answers it.
pub const BY_BENEFIT_STATUS: [(&str, &[&str]); 5] = [
    ("none", &NO_BENEFIT),
    ("pensioner", &PENSIONERS),
    ("insured", &INSURED),
    ("social_protection", &SOCIAL_PROTECTION),
    ("meritorious", &MERITORIOUS),
];

/// A deceased with `benefit_status` `none`.
pub const DECEASED_NONE: &str = NO_BENEFIT[0];
/// A deceased with `benefit_status` `pensioner`.
pub const DECEASED_PENSIONER: &str = PENSIONERS[0];
/// A deceased with `benefit_status` `insured` and 15+ years of contributions (survivor benefit
/// `monthly`).
pub const DECEASED_INSURED: &str = INSURED[0];
/// A deceased with `benefit_status` `insured` and under 15 years of contributions (survivor
/// benefit `one_time`).
pub const DECEASED_INSURED_SHORT: &str = INSURED[2];
/// A deceased with `benefit_status` `social_protection`.
pub const DECEASED_SOCIAL_PROTECTION: &str = SOCIAL_PROTECTION[0];
/// A deceased with `benefit_status` `meritorious`.
pub const DECEASED_MERITORIOUS: &str = MERITORIOUS[0];

/// A living adult (Nguyễn Thị Lan) to declare a death, receive an allowance or represent the
/// survivors; never one of the deceased above.
pub const DECLARANT: &str = "001190012345";
/// Another living adult (Trần Văn Minh), for a representative other than the declarant.
pub const REPRESENTATIVE: &str = "001088012346";
/// A well-formed personal ID that no register knows: register-death answers
/// `PERSON_NOT_FOUND`.
pub const UNKNOWN_PERSON: &str = "001190000000";
