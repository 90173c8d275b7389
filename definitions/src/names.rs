//! How a definition names things: ids (`birth`, `civil-status`, `register-birth`) and the
//! document paths diagnostics point at (`steps[1].input.personal_id`).

/// An id: lowercase ASCII letters, digits and `-`, not empty.
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The path of `key` under `at`: `at.key`, or `at[1]` for an index.
pub(crate) fn join(at: &str, key: &str) -> String {
    match (at.is_empty(), key.is_empty()) {
        (true, _) => key.to_owned(),
        (_, true) => at.to_owned(),
        _ if key.starts_with('[') => format!("{at}{key}"),
        _ => format!("{at}.{key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_slugs_and_paths_join_keys_and_indexes() {
        assert!(is_slug("civil-status") && is_slug("step2"));
        assert!(!is_slug("") && !is_slug("Birth") && !is_slug("a_b"));
        assert_eq!(join("", "steps"), "steps");
        assert_eq!(join("steps", "[1]"), "steps[1]");
        assert_eq!(join("steps[1]", "input"), "steps[1].input");
        assert_eq!(join("input", ""), "input");
    }
}
