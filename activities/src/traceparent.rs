use sha2::{Digest, Sha256};

/// A W3C `traceparent` whose trace id is derived from the case code, so every call of one case,
/// from any worker and any attempt, lands in the same trace. The span id is fresh per call.
pub fn traceparent_for(case_code: &str) -> String {
    let digest = Sha256::digest(case_code.as_bytes());
    let trace_id: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let span_id: u64 = rand::random::<u64>() | 1;
    format!("00-{trace_id}-{span_id:016x}-01")
}

#[cfg(test)]
mod tests {
    use super::traceparent_for;

    #[test]
    fn one_case_one_trace_id_well_formed() {
        let a = traceparent_for("KS-ABCDE-FGHJK");
        let b = traceparent_for("KS-ABCDE-FGHJK");
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(parts.len(), 4);
        assert_eq!(
            (parts[0], parts[1].len(), parts[2].len(), parts[3]),
            ("00", 32, 16, "01")
        );
        assert_eq!(a[..35], b[..35], "same case, same trace id");
        assert_ne!(traceparent_for("KS-OTHER")[..35], a[..35]);
    }
}
