//! Where the engine finds an agency's shared secret: the variable named for it, in the
//! environment, else a file of that name in a secrets folder (a mounted secret volume), read at
//! each use so a secret put or rotated there needs no restart. The workers sign their calls with
//! it and the API checks callbacks with it, so both read it the same way.

use std::path::Path;

/// The value of `variable`: the environment first, then `<dir>/<variable>`; trimmed, and blank
/// is unset.
pub fn read_secret(variable: &str, dir: Option<&Path>) -> Option<String> {
    let from_file = || std::fs::read_to_string(dir?.join(variable)).ok();
    std::env::var(variable)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(from_file)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_comes_from_its_file_trimmed_and_blank_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let variable = "LIENTHONG_SECRET_IDENTITY_TEST_ONLY";
        assert_eq!(read_secret(variable, Some(dir.path())), None);
        std::fs::write(dir.path().join(variable), "  s3cret\n").unwrap();
        assert_eq!(
            read_secret(variable, Some(dir.path())).as_deref(),
            Some("s3cret")
        );
        std::fs::write(dir.path().join(variable), " \n").unwrap();
        assert_eq!(read_secret(variable, Some(dir.path())), None);
        assert_eq!(read_secret(variable, None), None);
    }
}
