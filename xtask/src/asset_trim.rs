//! Bytes the first view's JS, wasm and CSS carry for nothing (`cargo xtask build`).
//!
//! - wasm-streams (which leptos' `server_fn` depends on in the browser; the app has no server
//!   functions) exports three classes to JS with `#[wasm_bindgen]`: exports are roots, so their
//!   code stays in the main module and their classes in its JS although nothing makes one.
//!   When the JS never makes one (no `new`, no `__wrap`), [`drop_stream_classes`] takes the
//!   classes out of the JS and [`STREAM_EXPORTS`] names the exports for `wasm-opt
//!   --remove-exports`, whose code `-Oz` then drops (main wasm −1.1 kB brotli, JS −0.5 kB).
//! - (the JS is then minified by terser: `app_build::minify_js`);
//! - [`drop_css_comments`]: the stylesheet's comments (−0.35 kB brotli).

/// The classes wasm-streams exports to JS.
const STREAM_CLASSES: &[&str] = &[
    "IntoUnderlyingByteSource",
    "IntoUnderlyingSink",
    "IntoUnderlyingSource",
];

/// `wasm-opt --remove-exports`'s wildcard for the exports behind [`STREAM_CLASSES`] (their
/// methods `intounderlying…_…` and destructors `__wbg_intounderlying…_free`).
pub const STREAM_EXPORTS: &str = "*intounderlying*";

/// `js` without wasm-streams' classes and their finalization registries, when nothing in it
/// makes one of them and nothing else names them; `None` (keep everything, exports included)
/// otherwise.
pub fn drop_stream_classes(js: &str) -> Option<String> {
    let mut out = js.to_owned();
    for class in STREAM_CLASSES {
        if out.contains(&format!("{class}.__wrap(")) || out.contains(&format!("new {class}(")) {
            return None;
        }
        let head = format!("export class {class} {{\n");
        let tail = format!(
            "if (Symbol.dispose) {class}.prototype[Symbol.dispose] = {class}.prototype.free;\n"
        );
        cut(&mut out, &head, &tail)?;
        let registry =
            format!("const {class}Finalization = (typeof FinalizationRegistry === 'undefined')\n");
        cut(&mut out, &registry, "_free(ptr, 1));\n")?;
        if out.contains(class) {
            return None;
        }
    }
    Some(out)
}

/// Removes from `text` the first span that starts with `head` at a line's start and ends with
/// the first `tail` after it; `None` when there is none.
fn cut(text: &mut String, head: &str, tail: &str) -> Option<()> {
    let start = line_start_find(text, head)?;
    let end = start + head.len() + text[start + head.len()..].find(tail)? + tail.len();
    text.replace_range(start..end, "");
    Some(())
}

fn line_start_find(text: &str, needle: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find(needle) {
        let at = from + at;
        if at == 0 || text.as_bytes()[at - 1] == b'\n' {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// `css` without its comments, and without the lines that held nothing else.
pub fn drop_css_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(at) = rest.find(['/', '"', '\'']) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let quote = from.as_bytes()[0];
        if quote == b'/' {
            if let Some(body) = from.strip_prefix("/*") {
                // An unclosed comment runs to the end (as in a browser).
                rest = body.find("*/").map_or("", |end| &body[end + 2..]);
            } else {
                out.push('/');
                rest = &from[1..];
            }
            continue;
        }
        // A string, escapes included, kept as it is.
        let mut end = from.len();
        let mut escaped = false;
        for (i, b) in from.bytes().enumerate().skip(1) {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == quote || b == b'\n' {
                end = i + 1;
                break;
            }
        }
        out.push_str(&from[..end]);
        rest = &from[end..];
    }
    out.push_str(rest);
    out.split_inclusive('\n')
        .filter(|l| !l.trim().is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLUE: &str = "let wasm;\n\nexport class IntoUnderlyingSink {\n    free() {\n        wasm.__wbg_intounderlyingsink_free(ptr, 0);\n    }\n}\nif (Symbol.dispose) IntoUnderlyingSink.prototype[Symbol.dispose] = IntoUnderlyingSink.prototype.free;\n\nexport class IntoUnderlyingSource {\n    free() {}\n}\nif (Symbol.dispose) IntoUnderlyingSource.prototype[Symbol.dispose] = IntoUnderlyingSource.prototype.free;\n\nexport class IntoUnderlyingByteSource {\n    free() {}\n}\nif (Symbol.dispose) IntoUnderlyingByteSource.prototype[Symbol.dispose] = IntoUnderlyingByteSource.prototype.free;\nfunction __wbg_get_imports() {}\nconst IntoUnderlyingByteSourceFinalization = (typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {}, unregister: () => {} }\n    : new FinalizationRegistry(ptr => wasm.__wbg_intounderlyingbytesource_free(ptr, 1));\nconst IntoUnderlyingSinkFinalization = (typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {}, unregister: () => {} }\n    : new FinalizationRegistry(ptr => wasm.__wbg_intounderlyingsink_free(ptr, 1));\nconst IntoUnderlyingSourceFinalization = (typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {}, unregister: () => {} }\n    : new FinalizationRegistry(ptr => wasm.__wbg_intounderlyingsource_free(ptr, 1));\nconst next = 1;\n";

    #[test]
    fn unused_stream_classes_go() {
        let js = drop_stream_classes(GLUE).unwrap();
        assert_eq!(
            js,
            "let wasm;\n\n\n\nfunction __wbg_get_imports() {}\nconst next = 1;\n"
        );
    }

    #[test]
    fn stream_classes_that_are_made_stay() {
        let made = GLUE.replace(
            "function __wbg_get_imports() {}",
            "function f(p) { return IntoUnderlyingSource.__wrap(p); }",
        );
        assert_eq!(drop_stream_classes(&made), None);
        let constructed = GLUE.replace(
            "function __wbg_get_imports() {}",
            "function f() { return new IntoUnderlyingSink(); }",
        );
        assert_eq!(drop_stream_classes(&constructed), None);
        // Named anywhere else: kept.
        let named = format!("{GLUE}export {{ IntoUnderlyingSink as S }};\n");
        assert_eq!(drop_stream_classes(&named), None);
        // Not the shape wasm-bindgen writes: kept.
        assert_eq!(drop_stream_classes("let wasm;\n"), None);
    }

    #[test]
    fn css_comments_go_and_strings_stay() {
        let css = "/* head */\n.a {\n  color: red; /* why */\n  content: \"/* not a comment */\";\n}\n\n  /* two\n  lines */\n.b { background: url('x/*y*/z'); }\n.c { content: \"\\\"/*\" }\n/* open";
        assert_eq!(
            drop_css_comments(css),
            ".a {\n  color: red; \n  content: \"/* not a comment */\";\n}\n.b { background: url('x/*y*/z'); }\n.c { content: \"\\\"/*\" }\n"
        );
    }
}
