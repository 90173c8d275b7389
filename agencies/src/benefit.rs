//! What the state owes a person's family when they die, decided by who they were: it routes
//! the funeral step of a death registration to social insurance or to the labour office.

use std::fmt;
use std::str::FromStr;

/// A person's benefit status, as the population register records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BenefitStatus {
    /// No benefit: no funeral allowance is owed.
    None,
    /// Receiving a social-insurance pension: social insurance pays the funeral allowance.
    Pensioner,
    /// Contributing to social insurance: social insurance pays the funeral allowance.
    Insured,
    /// A monthly social-assistance beneficiary: the labour office pays burial support.
    SocialProtection,
    /// A person with meritorious services to the revolution: the labour office pays burial
    /// support.
    Meritorious,
}

impl BenefitStatus {
    pub const ALL: [BenefitStatus; 5] = [
        BenefitStatus::None,
        BenefitStatus::Pensioner,
        BenefitStatus::Insured,
        BenefitStatus::SocialProtection,
        BenefitStatus::Meritorious,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            BenefitStatus::None => "none",
            BenefitStatus::Pensioner => "pensioner",
            BenefitStatus::Insured => "insured",
            BenefitStatus::SocialProtection => "social_protection",
            BenefitStatus::Meritorious => "meritorious",
        }
    }
}

impl fmt::Display for BenefitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text names no benefit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnknownBenefitStatus;

impl FromStr for BenefitStatus {
    type Err = UnknownBenefitStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BenefitStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(UnknownBenefitStatus)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in BenefitStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert_eq!(
            "veteran".parse::<BenefitStatus>(),
            Err(UnknownBenefitStatus)
        );
    }
}
