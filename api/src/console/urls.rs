//! Building the console's links: values from cases and filters are percent-encoded, so a case
//! code or a filter can never change a link's shape (HTML escaping is maud's job).

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `path?k=v&…` with the non-empty values, or `path` alone.
pub(crate) fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

pub(crate) fn case(code: &str) -> String {
    format!("/console/cases/{}", encode(code))
}

pub(crate) fn agency(agency: &str) -> String {
    format!("/console/agencies/{}", encode(agency))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_change_a_links_shape() {
        assert_eq!(case("KS-1/../x?y"), "/console/cases/KS-1%2F..%2Fx%3Fy");
        assert_eq!(
            with_query(
                "/console/cases",
                &[("status", "running"), ("code", ""), ("agency", "a&b=c")]
            ),
            "/console/cases?status=running&agency=a%26b%3Dc"
        );
        assert_eq!(
            with_query("/console/cases", &[("code", "")]),
            "/console/cases"
        );
    }
}
