//! Making case codes: random, or derived from a client's request id so a repeated request finds
//! its case. The code's form is [`CaseCode`]'s.

use lienthong_definitions::CaseCode;
use sha2::{Digest, Sha256};

/// A fresh random code. 50 random bits: a collision is detected at start and drawn again.
pub fn random(prefix: &str) -> CaseCode {
    CaseCode::from_bits(prefix, rand::random::<u64>())
}

/// The code for a client's request id, scoped to the account (`account`: the token's subject)
/// that sent it: the same account repeating its request always finds the same case, and no one
/// else's request id can ever name that case.
pub fn for_request(
    prefix: &str,
    procedure: &str,
    account: &str,
    client_request_id: &str,
) -> CaseCode {
    // Each part is framed by its length, so no choice of request id can make one account's
    // parts hash like another's (a subject and a request id may both contain any character).
    let mut hasher = Sha256::new();
    for part in [procedure, account, client_request_id] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut bits = [0u8; 8];
    bits.copy_from_slice(&digest[..8]);
    CaseCode::from_bits(prefix, u64::from_be_bytes(bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_well_formed_and_request_ids_are_stable() {
        let code = random("KS");
        assert!(CaseCode::is_well_formed(code.as_str()), "{code}");
        let stable = for_request("KS", "p", "citizen-a", "req-1");
        assert!(CaseCode::is_well_formed(stable.as_str()), "{stable}");
        assert_eq!(stable, for_request("KS", "p", "citizen-a", "req-1"));
        assert_ne!(stable, for_request("KS", "p", "citizen-a", "req-2"));
        assert_ne!(stable, for_request("KS", "q", "citizen-a", "req-1"));
    }

    #[test]
    fn a_request_id_names_a_case_only_for_the_account_that_sent_it() {
        assert_ne!(
            for_request("KS", "p", "citizen-a", "req-1"),
            for_request("KS", "p", "citizen-b", "req-1"),
            "another account's request id must not find its case"
        );
        // No split of the same characters between account and request id collides.
        assert_ne!(
            for_request("KS", "p", "citizen-a\nx", "req-1"),
            for_request("KS", "p", "citizen-a", "x\nreq-1"),
        );
        assert_ne!(
            for_request("KS", "p", "citizen-a", "req-1"),
            for_request("KS", "p", "citizen-areq-1", ""),
        );
    }
}
