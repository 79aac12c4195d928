//! Safe pieces of URLs the app builds or renders: ids as path segments, and links from
//! upstream data that may become an `href`.

/// `id` percent-encoded as one URL path segment: everything but RFC 3986's unreserved
/// characters (`A–Z a–z 0–9 - . _ ~`) is encoded, so an id can never add segments, a query or
/// a fragment to a path.
pub fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // "." and ".." are unreserved but mean "this/parent segment": encode them whole.
    match out.as_str() {
        "." => "%2E".to_string(),
        ".." => "%2E%2E".to_string(),
        _ => out,
    }
}

/// `url` when it may be rendered as a link: an absolute `https:` URL with a host and no
/// whitespace or control characters (so never `javascript:`, `data:`, `http:` or a relative
/// path). Leading and trailing spaces are trimmed.
pub fn https_link(url: &str) -> Option<&str> {
    let url = url.trim();
    let (scheme, rest) = url.split_once(':')?;
    let host = rest.strip_prefix("//")?.split(['/', '?', '#']).next()?;
    let clean = !url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\');
    (scheme.eq_ignore_ascii_case("https") && !host.is_empty() && clean).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_ids_and_encode_everything_else() {
        assert_eq!(path_segment("AU00000"), "AU00000");
        assert_eq!(
            path_segment("5c1b3e7a-1f0e-4d1b-9c1e-0a1b2c3d4e5f"),
            "5c1b3e7a-1f0e-4d1b-9c1e-0a1b2c3d4e5f"
        );
        assert_eq!(path_segment("a/b"), "a%2Fb");
        assert_eq!(path_segment("../users"), "..%2Fusers");
        assert_eq!(path_segment(".."), "%2E%2E");
        assert_eq!(path_segment("."), "%2E");
        assert_eq!(path_segment("x?y=1#z"), "x%3Fy%3D1%23z");
        assert_eq!(path_segment("a b%"), "a%20b%25");
        assert_eq!(path_segment("é"), "%C3%A9");
        assert_eq!(path_segment(""), "");
    }

    #[test]
    fn path_segments_never_hold_a_separator() {
        for id in ["a/b", "a\\b", "a?b", "a#b", "../..", "%2F", "a\nb"] {
            let s = path_segment(id);
            assert!(
                !s.contains(['/', '\\', '?', '#', '\n']),
                "{id:?} gave {s:?}"
            );
        }
    }

    #[test]
    fn only_https_urls_become_links() {
        assert_eq!(
            https_link("https://hooli.example/forgot"),
            Some("https://hooli.example/forgot")
        );
        assert_eq!(
            https_link("  HTTPS://bank.example  "),
            Some("HTTPS://bank.example")
        );
        for bad in [
            "javascript:alert(1)",
            "JavaScript://bank.example/%0aalert(1)",
            "data:text/html,hi",
            "http://bank.example/forgot",
            "//bank.example/forgot",
            "/forgot",
            "https:bank.example",
            "https:///path",
            "https://bank.example/a b",
            "https://bank.example/\u{0}",
            "https:\\\\bank.example",
            "",
        ] {
            assert_eq!(https_link(bad), None, "{bad:?}");
        }
    }
}
