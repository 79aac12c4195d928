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

/// The main module (`wasm`) with short names for its imports from wasm-bindgen's JS (`module`),
/// and `js` (that JS) with the same names for the functions it hands in. wasm-bindgen names each
/// import `__wbg_<name>_<16 hex digits>`, a few hundred of them, and neither file compresses the
/// hex (−2.4 kB brotli of the wasm, −2 kB of the JS). An import whose name `js` holds other than
/// once as a whole word, or that is also an export's name, keeps its name.
pub fn short_import_names(
    wasm: &[u8],
    js: &str,
    module: &str,
) -> Result<(Vec<u8>, String), crate::Failure> {
    use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
    use wasmparser::{Imports, Parser, Payload};
    let bad = |e: &dyn std::fmt::Display| crate::Failure(format!("renaming imports: {e}"));

    // The module's imports and every export, first.
    let mut imported: Vec<String> = Vec::new();
    let mut exported: Vec<String> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| bad(&e))? {
            Payload::ImportSection(reader) => {
                for group in reader {
                    if let Imports::Single(_, i) = group.map_err(|e| bad(&e))?
                        && i.module == module
                    {
                        imported.push(i.name.to_owned());
                    }
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    exported.push(e.map_err(|e| bad(&e))?.name.to_owned());
                }
            }
            _ => {}
        }
    }
    if imported.is_empty() {
        return Err(bad(&format!("the module imports nothing from {module}")));
    }
    let mut names = short_names().filter(|n| !imported.contains(n));
    // (long name, short name, where the JS holds the long one)
    let mut renamed: Vec<(String, String, usize)> = Vec::new();
    for name in &imported {
        if let [at] = whole_words(js, name)[..]
            && !exported.contains(name)
        {
            let short = names.next().ok_or_else(|| bad(&"out of short names"))?;
            renamed.push((name.clone(), short, at));
        }
    }

    let mut out = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| bad(&e))?;
        if let Payload::ImportSection(reader) = &payload {
            let mut section = wasm_encoder::ImportSection::new();
            for group in reader.clone() {
                let Imports::Single(_, i) = group.map_err(|e| bad(&e))? else {
                    return Err(bad(&"a compact import group (not wasm-bindgen's output)"));
                };
                let name = renamed
                    .iter()
                    .find(|(long, _, _)| i.module == module && long == i.name)
                    .map_or(i.name, |(_, short, _)| short.as_str());
                let ty = RoundtripReencoder.entity_type(i.ty).map_err(|e| bad(&e))?;
                section.import(i.module, name, ty);
            }
            out.section(&section);
        } else if let Some((id, range)) = payload.as_section() {
            let data = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(a, b)| wasm.get(a..b))
                .ok_or_else(|| bad(&"a section past the end"))?;
            out.section(&wasm_encoder::RawSection { id, data });
        }
    }
    // From the end, so the places before each replacement stay where they were.
    renamed.sort_by_key(|(_, _, at)| std::cmp::Reverse(*at));
    let mut js = js.to_owned();
    for (long, short, at) in &renamed {
        js.replace_range(*at..at + long.len(), short);
    }
    Ok((out.finish(), js))
}

/// `a`…`z`, `A`…`Z`, then two letters, and so on.
fn short_names() -> impl Iterator<Item = String> {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0usize..).map(|mut n| {
        let mut name = Vec::new();
        loop {
            name.push(LETTERS[n % LETTERS.len()]);
            n /= LETTERS.len();
            if n == 0 {
                break;
            }
            n -= 1;
        }
        name.reverse();
        String::from_utf8(name).unwrap_or_default()
    })
}

/// Where `word` appears in `js` as a whole identifier (not inside a longer one).
fn whole_words(js: &str, word: &str) -> Vec<usize> {
    let part = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    js.match_indices(word)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = at
                .checked_sub(1)
                .and_then(|i| js.as_bytes().get(i))
                .copied();
            let after = js.as_bytes().get(at + word.len()).copied();
            !before.is_some_and(part) && !after.is_some_and(part)
        })
        .collect()
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

    /// A module importing `names` (module, name) as functions `() -> ()`, exporting `export`.
    fn module_with(names: &[(&str, &str)], export: &str) -> Vec<u8> {
        use wasm_encoder::*;
        let mut m = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        m.section(&types);
        let mut imports = ImportSection::new();
        for (module, name) in names {
            imports.import(module, name, EntityType::Function(0));
        }
        m.section(&imports);
        let mut funcs = FunctionSection::new();
        funcs.function(0);
        m.section(&funcs);
        let mut exports = ExportSection::new();
        exports.export(export, ExportKind::Func, names.len() as u32);
        m.section(&exports);
        let mut code = CodeSection::new();
        let mut body = Function::new([]);
        body.instruction(&Instruction::Call(0));
        body.instruction(&Instruction::End);
        code.function(&body);
        m.section(&code);
        m.finish()
    }

    fn imports_of(wasm: &[u8]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            if let wasmparser::Payload::ImportSection(r) = payload.unwrap() {
                for i in r.into_imports() {
                    let i = i.unwrap();
                    out.push((i.module.to_owned(), i.name.to_owned()));
                }
            }
        }
        out
    }

    #[test]
    fn imports_named_once_in_the_js_get_short_names_in_both() {
        let wasm = module_with(
            &[
                ("./m.js", "__wbg_now_0123456789abcdef"),
                ("./m.js", "__wbg_log_fedcba9876543210"),
                ("./m.js", "__wbg_twice_00000000000000aa"),
                ("./m.js", "__wbindgen_start"),
                ("./other.js", "__wbg_split_1111111111111111"),
            ],
            "__wbindgen_start",
        );
        let js = "const i = { __wbg_now_0123456789abcdef: () => Date.now(), \
                  __wbg_log_fedcba9876543210: (x) => console.log(x), \
                  __wbg_twice_00000000000000aa: f, __wbindgen_start: g };\n\
                  f.__wbg_twice_00000000000000aa = 1; wasm.__wbindgen_start();\n\
                  const __wbg_now_0123456789abcdefX = 2;\n";
        let (out, js) = short_import_names(&wasm, js, "./m.js").unwrap();
        wasmparser::validate(&out).unwrap();
        assert_eq!(
            imports_of(&out),
            [
                ("./m.js".to_owned(), "a".to_owned()),
                ("./m.js".to_owned(), "b".to_owned()),
                // Twice in the JS, an export's name, another module's: kept.
                (
                    "./m.js".to_owned(),
                    "__wbg_twice_00000000000000aa".to_owned()
                ),
                ("./m.js".to_owned(), "__wbindgen_start".to_owned()),
                (
                    "./other.js".to_owned(),
                    "__wbg_split_1111111111111111".to_owned()
                ),
            ]
        );
        assert_eq!(
            js,
            "const i = { a: () => Date.now(), b: (x) => console.log(x), \
             __wbg_twice_00000000000000aa: f, __wbindgen_start: g };\n\
             f.__wbg_twice_00000000000000aa = 1; wasm.__wbindgen_start();\n\
             const __wbg_now_0123456789abcdefX = 2;\n"
        );
        // Everything but the import section is the input's, byte for byte.
        assert_eq!(out.len(), wasm.len() - 2 * 25);
        assert!(short_import_names(&wasm, &js, "./none.js").is_err());
    }

    #[test]
    fn short_names_run_through_letters_then_pairs() {
        let names: Vec<String> = short_names().take(54).collect();
        assert_eq!(names[0], "a");
        assert_eq!(names[51], "Z");
        assert_eq!(names[52], "aa");
        assert_eq!(names[53], "ab");
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
