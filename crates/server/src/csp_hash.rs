//! The CSP `script-src` hashes of a page's inline scripts. Shared with the build script, which
//! computes them for the app embedded in the binary (`--features embed-app`), so this file uses
//! nothing but `sha2` and `base64`.

use base64::Engine;
use sha2::{Digest, Sha256};

/// The `script-src` hashes of every inline `<script>` in `html` (the app's bootstrap module).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_and_more = &after[tag_end + 1..];
        let Some(close) = body_and_more.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let body = &body_and_more[..close];
            let digest = Sha256::digest(body.as_bytes());
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body_and_more[close + "</script>".len()..];
    }
    hashes
}
