use lienthong_definitions::StepId;

/// The idempotency key of a step's call: one per (case, step, round). A round is a resend with
/// documents the citizen supplied, which is a new request to the agency.
pub fn idempotency_key(case_code: &str, step: &StepId, round: u32) -> String {
    match round {
        0 => format!("{case_code}/{step}"),
        n => format!("{case_code}/{step}/s{n}"),
    }
}

/// The case a key belongs to, so a callback that carries only the key finds its case.
pub fn case_code_of(idempotency_key: &str) -> &str {
    idempotency_key.split('/').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_per_round_and_lead_back_to_the_case() {
        let step = StepId("residence".into());
        assert_eq!(
            idempotency_key("KS-AAAAA-BBBBB", &step, 0),
            "KS-AAAAA-BBBBB/residence"
        );
        assert_eq!(
            idempotency_key("KS-AAAAA-BBBBB", &step, 2),
            "KS-AAAAA-BBBBB/residence/s2"
        );
        assert_eq!(
            case_code_of("KS-AAAAA-BBBBB/residence/s2"),
            "KS-AAAAA-BBBBB"
        );
    }
}
