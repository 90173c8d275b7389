//! Case codes: short, unambiguous when read aloud or typed from paper, e.g. `KS-7K3MQ-92XAT`.

use sha2::{Digest, Sha256};

/// Crockford's base-32: no I, L, O or U, so a code survives being read over the phone.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh random code. 50 random bits: a collision is detected at start and drawn again.
pub fn random(prefix: &str) -> String {
    format(prefix, rand::random::<u64>())
}

/// The code for a client's request id: the same request always maps to the same case.
pub fn for_request(prefix: &str, procedure: &str, client_request_id: &str) -> String {
    let digest = Sha256::digest(format!("{procedure}\n{client_request_id}").as_bytes());
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
        assert_eq!(
            for_request("KS", "p", "req-1"),
            for_request("KS", "p", "req-1")
        );
        assert_ne!(
            for_request("KS", "p", "req-1"),
            for_request("KS", "p", "req-2")
        );
        assert_ne!(
            for_request("KS", "p", "req-1"),
            for_request("KS", "q", "req-1")
        );
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
}
