use serde::{Deserialize, Serialize};

/// A duration in milliseconds, written in definitions as `500ms`, `10s`, `5m` or `2h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Millis(pub u64);

impl Millis {
    /// Reads the definition form. Returns `None` for anything else, so the caller can say where.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit())?;
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().ok()?;
        let factor = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => return None,
        };
        number.checked_mul(factor).map(Self)
    }

    pub fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.0)
    }
}

/// The definition form, in the largest unit that is exact: `2h`, `90s`, `500ms`.
impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let units = [(3_600_000, "h"), (60_000, "m"), (1_000, "s")];
        match units
            .iter()
            .find(|(size, _)| self.0 != 0 && self.0.is_multiple_of(*size))
        {
            Some((size, unit)) => write!(f, "{}{unit}", self.0 / size),
            None => write!(f, "{}ms", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Millis;

    #[test]
    fn reads_each_unit_and_refuses_the_rest() {
        assert_eq!(Millis::parse("500ms"), Some(Millis(500)));
        assert_eq!(Millis::parse("10s"), Some(Millis(10_000)));
        assert_eq!(Millis::parse("5m"), Some(Millis(300_000)));
        assert_eq!(Millis::parse("2h"), Some(Millis(7_200_000)));
        for text in ["2h", "90s", "5m", "500ms", "0ms"] {
            let parsed = Millis::parse(text).expect("valid");
            assert_eq!(parsed.to_string(), text, "written back as read");
        }
        for bad in [
            "",
            "10",
            "s",
            "1.5s",
            "10 days",
            "-1s",
            "99999999999999999999h",
        ] {
            assert_eq!(Millis::parse(bad), None, "{bad:?} should be refused");
        }
    }
}
