//! Case codes: short, unambiguous when read aloud or typed from paper, e.g. `KS-7K3MQ-92XAT`.

use sha2::{Digest, Sha256};

/// Crockford's base-32: no I, L, O or U, so a code survives being read over the phone.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh random code. 50 random bits: a collision is detected at start and drawn again.
pub fn random(prefix: &str) -> String {
    format(prefix, rand::random::<u64>())
}

/// The code for a client's request id, scoped to the account (`account`: the token's subject)
/// that sent it: the same account repeating its request always finds the same case, and no one
/// else's request id can ever name that case.
pub fn for_request(
    prefix: &str,
    procedure: &str,
    account: &str,
    client_request_id: &str,
) -> String {
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
    format(prefix, u64::from_be_bytes(bits))
}

fn format(prefix: &str, bits: u64) -> String {
    let chars: String = (0..10)
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("{prefix}-{}-{}", &chars[..5], &chars[5..])
}

/// Whether a path segment can be a case code, checked before it reaches Temporal.
pub fn looks_valid(code: &str) -> bool {
    let mut parts = code.split('-');
    let prefix_ok = parts
        .next()
        .is_some_and(|p| (2..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_uppercase()));
    let body: Vec<&str> = parts.collect();
    prefix_ok
        && body.len() == 2
        && body
            .iter()
            .all(|p| p.len() == 5 && p.bytes().all(|b| ALPHABET.contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_well_formed_and_request_ids_are_stable() {
        let code = random("KS");
        assert!(looks_valid(&code), "{code}");
        let stable = for_request("KS", "p", "citizen-a", "req-1");
        assert!(looks_valid(&stable), "{stable}");
        assert_eq!(stable, for_request("KS", "p", "citizen-a", "req-1"));
        assert_ne!(stable, for_request("KS", "p", "citizen-a", "req-2"));
        assert_ne!(stable, for_request("KS", "q", "citizen-a", "req-1"));
        for bad in [
            "",
            "KS",
            "ks-AAAAA-BBBBB",
            "KS-AAAAA-BBBBI",
            "KS-AAAA-BBBBB",
            "KS-AAAAA-BBBBB-C",
            "../etc",
        ] {
            assert!(!looks_valid(bad), "{bad}");
        }
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
