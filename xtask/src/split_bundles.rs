//! One request per step: the split modules a split point needs, in one bundle file, and the
//! split loader (`__wasm_split.js`, which wasm_split writes) folded into the main module's JS.
//!
//! wasm_split cuts the app into a module per split point plus small shared chunks (a step needs
//! its own module and up to a dozen chunks), and its loader fetches each from its own file. Here:
//! - the picker's bundle holds every module the picker needs (index.html preloads it);
//! - each other step's bundle holds its modules that the picker's bundle does not (the picker's
//!   bundle is fetched on every page, so those come from it), nor the bundles of the steps it
//!   comes after (the job's lacks the form's, the form's the `settled` module's, see
//!   [`AFTER`]);
//! - the loader's fetcher of each module becomes `__bcFetcher(stem)` (split_bundles.js), which
//!   answers the modules one load asks for together: from the picker's bundle, from the step's
//!   bundle when none of its modules was fetched before, else each from its own `.wasm` file
//!   (they stay in the app directory), so any order of steps loads every module exactly once;
//! - the loader then lives inside the main JS, which saves the request for `__wasm_split.js`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::Failure;

/// The split point whose bundle every page fetches (index.html asks for it early).
pub const PICKER: &str = "picker";

/// Split points whose modules the picker's bundle holds too, ahead of the picker's own: the
/// page's start-up (the settings' and the directory's decoding, src/app/picker.rs `start_up`),
/// which then runs while the rest of the bundle is still on the wire.
pub const AHEAD_OF_PICKER: &[&str] = &["startup"];

/// The bundle file of split point `split`.
pub fn file_name(split: &str) -> String {
    format!("bundle_{split}.bin")
}

/// Split points (nearly) always reached after another: `(later, earlier)`, followed through.
/// The job's steps (progress, MFA, accounts) come after the credential form, so by then the page
/// has the form's modules; the `settled` module (the early token, the search) is fetched as soon
/// as the picker's list is painted, before anyone can choose a bank. A later step's bundle leaves out
/// the earlier ones' modules (were one needed first, split_bundles.js fetches those from their
/// own files).
const AFTER: &[(&str, &str)] = &[
    ("job", "flow"),
    ("flow", "settled"),
    ("handoff", "settled"),
    ("connections", "settled"),
];

/// The modules of the split points `split` is reached after ([`AFTER`], followed through).
fn earlier_modules<'a>(split: &str, prefetch: &'a HashMap<String, Vec<String>>) -> Vec<&'a String> {
    let mut seen: Vec<&str> = Vec::new();
    let mut next = vec![split];
    while let Some(at) = next.pop() {
        for (_, earlier) in AFTER.iter().filter(|(later, _)| *later == at) {
            if !seen.contains(earlier) {
                seen.push(earlier);
                next.push(earlier);
            }
        }
    }
    seen.iter()
        .flat_map(|s| prefetch.get(*s).into_iter().flatten())
        .collect()
}

/// The modules (file stems) of each split point's bundle, picker first (the modules of
/// [`AHEAD_OF_PICKER`] first in it), then by name; a step whose modules are all in the picker's
/// bundle (or the bundle of the step it comes after) has none.
pub fn plan(prefetch: &HashMap<String, Vec<String>>) -> Vec<(String, Vec<String>)> {
    let mut picker: Vec<String> = Vec::new();
    for split in AHEAD_OF_PICKER.iter().chain([&PICKER]) {
        for m in prefetch.get(*split).into_iter().flatten() {
            if !picker.contains(m) {
                picker.push(m.clone());
            }
        }
    }
    let mut splits: Vec<&String> = prefetch
        .keys()
        .filter(|s| *s != PICKER && !AHEAD_OF_PICKER.contains(&s.as_str()))
        .collect();
    splits.sort();
    let mut out = Vec::new();
    if !picker.is_empty() {
        out.push((PICKER.to_owned(), picker.clone()));
    }
    for split in splits {
        let earlier = earlier_modules(split, prefetch);
        let own: Vec<String> = prefetch[split]
            .iter()
            .filter(|m| !picker.contains(m) && !earlier.contains(m))
            .cloned()
            .collect();
        if !own.is_empty() {
            out.push((split.clone(), own));
        }
    }
    out
}

/// A written bundle: its file and where each module is in it.
#[derive(Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The split point.
    pub split: String,
    /// The file name in the app directory.
    pub file: String,
    /// Each module's stem, offset and length.
    pub parts: Vec<(String, usize, usize)>,
}

/// Writes each planned bundle into `dir` (the modules are `dir/<stem>.wasm`, concatenated).
pub fn write(dir: &Path, plan: &[(String, Vec<String>)]) -> Result<Vec<Bundle>, Failure> {
    let mut out = Vec::new();
    for (split, modules) in plan {
        let mut bytes = Vec::new();
        let mut parts = Vec::new();
        for stem in modules {
            let path = dir.join(format!("{stem}.wasm"));
            let module = std::fs::read(&path)
                .map_err(|e| Failure(format!("bundling {}: {e}", path.display())))?;
            parts.push((stem.clone(), bytes.len(), module.len()));
            bytes.extend_from_slice(&module);
        }
        let file = file_name(split);
        std::fs::write(dir.join(&file), &bytes)?;
        out.push(Bundle {
            split: split.clone(),
            file,
            parts,
        });
    }
    Ok(out)
}

/// The bundles as the JS object split_bundles.js reads: `{split: {stem: length, …}, …}`, each
/// bundle's modules in file order.
fn bundles_js(bundles: &[Bundle]) -> String {
    let mut js = String::from("{");
    for (i, b) in bundles.iter().enumerate() {
        if i > 0 {
            js.push(',');
        }
        let _ = write!(js, "{}:{{", b.split);
        for (j, (stem, _, len)) in b.parts.iter().enumerate() {
            if j > 0 {
                js.push(',');
            }
            let _ = write!(js, "{stem}:{len}");
        }
        js.push('}');
    }
    js.push('}');
    js
}

/// A module or split point name as the loader and the table may use it (a JS identifier).
fn is_identifier(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

const RUNTIME: &str = include_str!("split_bundles.js");
/// wasm_split's fetcher of a module (`<stem>` between the two), which `__bcFetcher(<stem>)`
/// (split_bundles.js) replaces.
const FETCH_OPEN: &str = "() => {\n    const src = fetch(new URL(\"./";
const FETCH_CLOSE: &str = ".wasm\", import.meta.url));\n    src.catch(() => {});\n    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));\n}\n";
/// The name the folded loader's exports go by in the main JS.
const LOADER: &str = "__bcSplitLoader";

/// `main_js` (wasm-bindgen's, which imports `link_name`) with the split loader `loader_js`
/// folded in, each module fetched through the bundles.
pub fn fold_loader(
    main_js: &str,
    loader_js: &str,
    main_module: &str,
    link_name: &str,
    bundles: &[Bundle],
) -> Result<String, Failure> {
    let import_main = format!("import {{ initSync }} from \"{main_module}\";");
    let Some(loader) = loader_js.strip_prefix(&import_main) else {
        return Err(Failure(format!(
            "the split loader does not start with `{import_main}`"
        )));
    };
    // Each module's fetch goes through the bundles.
    let mut body = String::new();
    let mut rest = loader;
    let mut fetched: Vec<String> = Vec::new();
    while let Some(at) = rest.find(FETCH_OPEN) {
        let after = &rest[at + FETCH_OPEN.len()..];
        let end = after
            .find(FETCH_CLOSE)
            .ok_or_else(|| Failure("the split loader has an unclosed module fetch".into()))?;
        let stem = &after[..end];
        if !is_identifier(stem) {
            return Err(Failure(format!("unexpected module name {stem:?}")));
        }
        body.push_str(&rest[..at]);
        let _ = write!(body, "__bcFetcher({stem:?})");
        fetched.push(stem.to_owned());
        rest = &after[end + FETCH_CLOSE.len()..];
    }
    body.push_str(rest);
    let unfetched: Vec<&str> = bundles
        .iter()
        .flat_map(|b| b.parts.iter().map(|(stem, _, _)| stem.as_str()))
        .filter(|stem| !fetched.iter().any(|f| f == stem))
        .collect();
    if fetched.is_empty() || !unfetched.is_empty() {
        return Err(Failure(format!(
            "the split loader fetches {fetched:?}, not the bundled {unfetched:?}"
        )));
    }
    // Its exports become the object the main module imports.
    let mut exports = Vec::new();
    let mut loader = String::new();
    for line in body.lines() {
        match line.strip_prefix("export const ") {
            Some(decl) => {
                let name = decl.split([' ', '=']).next().unwrap_or_default();
                exports.push(name.to_owned());
                loader.push_str("const ");
                loader.push_str(decl);
            }
            None if line.starts_with("export ") || line.starts_with("import ") => {
                return Err(Failure(format!(
                    "unexpected line in the split loader: {line}"
                )));
            }
            None if line.trim_start().starts_with("//")
                || (line.starts_with("/*") && line.ends_with("*/")) =>
            {
                continue;
            }
            None => loader.push_str(line),
        }
        loader.push('\n');
    }
    if exports.is_empty() {
        return Err(Failure("the split loader exports nothing".into()));
    }

    let import_prefix = "import * as ";
    let import_suffix = format!(" from \"{link_name}\"");
    let mut aliases = Vec::new();
    let mut js = String::new();
    for line in main_js.lines() {
        let alias = line
            .strip_prefix(import_prefix)
            .and_then(|l| l.trim_end_matches(';').strip_suffix(&import_suffix));
        match alias {
            Some(name) => aliases.push(name.to_owned()),
            None => {
                js.push_str(line);
                js.push('\n');
            }
        }
    }
    if aliases.is_empty() {
        return Err(Failure(format!("the main JS does not import {link_name}")));
    }
    if main_js.contains(LOADER) || main_js.contains("__bc") {
        return Err(Failure(format!(
            "the main JS already uses the name {LOADER}"
        )));
    }
    // Without its comments (they are for the reader of split_bundles.js, not for the wire).
    let runtime: String = RUNTIME
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| format!("{}\n", l.trim_start()))
        .collect();
    let names = bundles
        .iter()
        .flat_map(|b| std::iter::once(&b.split).chain(b.parts.iter().map(|(stem, _, _)| stem)));
    if let Some(odd) = names.into_iter().find(|n| !is_identifier(n)) {
        return Err(Failure(format!("unexpected split or module name {odd:?}")));
    }
    let runtime = runtime.replace("/*BUNDLES*/", &bundles_js(bundles));
    let _ = write!(
        js,
        "// The split modules' loader (wasm_split's, each module fetched from its step's bundle).\n\
         const {LOADER} = (() => {{\n{runtime}{loader}return {{ {} }};\n}})();\n",
        exports.join(", ")
    );
    for alias in aliases {
        let _ = writeln!(js, "const {alias} = {LOADER};");
    }
    Ok(js)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn prefetch() -> HashMap<String, Vec<String>> {
        let mut m = HashMap::new();
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        m.insert("picker".into(), v(&["chunk_1", "chunk_2", "split_picker"]));
        m.insert("flow".into(), v(&["chunk_1", "chunk_3", "split_flow"]));
        m.insert("embed".into(), v(&["chunk_2"]));
        m.insert("connections".into(), v(&["chunk_3", "split_connections"]));
        m
    }

    #[test]
    fn each_step_bundles_what_the_pickers_bundle_lacks() {
        let plan = plan(&prefetch());
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            plan,
            [
                (
                    "picker".to_owned(),
                    v(&["chunk_1", "chunk_2", "split_picker"])
                ),
                (
                    "connections".to_owned(),
                    v(&["chunk_3", "split_connections"])
                ),
                ("flow".to_owned(), v(&["chunk_3", "split_flow"])),
            ],
            "embed's one module is in the picker's bundle, so it has no bundle"
        );
    }

    #[test]
    fn the_start_ups_modules_lead_the_pickers_bundle_and_have_none_of_their_own() {
        let mut prefetch = prefetch();
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        prefetch.insert(
            "startup".into(),
            v(&["chunk_2", "chunk_9", "split_startup"]),
        );
        let plan = plan(&prefetch);
        assert_eq!(
            plan[0],
            (
                "picker".to_owned(),
                v(&[
                    "chunk_2",
                    "chunk_9",
                    "split_startup",
                    "chunk_1",
                    "split_picker"
                ])
            )
        );
        assert!(plan.iter().all(|(s, _)| s != "startup"));
    }

    #[test]
    fn the_jobs_bundle_lacks_what_the_forms_brought() {
        let mut prefetch = prefetch();
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        prefetch.insert(
            "job".into(),
            v(&["chunk_1", "chunk_3", "chunk_4", "split_job"]),
        );
        let plan = plan(&prefetch);
        let job = plan.iter().find(|(s, _)| s == "job").unwrap();
        assert_eq!(job.1, v(&["chunk_4", "split_job"]));
        let flow = plan.iter().find(|(s, _)| s == "flow").unwrap();
        assert_eq!(flow.1, v(&["chunk_3", "split_flow"]), "the form's is whole");
        // Another step keeps what it shares with the form.
        let connections = plan.iter().find(|(s, _)| s == "connections").unwrap();
        assert_eq!(connections.1, v(&["chunk_3", "split_connections"]));
    }

    #[test]
    fn a_later_step_lacks_what_each_step_before_it_brought() {
        let mut prefetch = prefetch();
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        prefetch.insert(
            "settled".into(),
            v(&["chunk_1", "chunk_5", "chunk_7", "split_settled"]),
        );
        prefetch.insert(
            "flow".into(),
            v(&["chunk_3", "chunk_5", "chunk_7", "split_flow"]),
        );
        prefetch.insert(
            "job".into(),
            v(&[
                "chunk_3",
                "chunk_4",
                "chunk_5",
                "chunk_6",
                "chunk_7",
                "split_job",
            ]),
        );
        let plan = plan(&prefetch);
        let of = |split: &str| plan.iter().find(|(s, _)| s == split).unwrap().1.clone();
        assert_eq!(of("settled"), v(&["chunk_5", "chunk_7", "split_settled"]));
        // The form lacks the settled module's chunks; the job the form's and, through it,
        // those.
        assert_eq!(of("flow"), v(&["chunk_3", "split_flow"]));
        assert_eq!(of("job"), v(&["chunk_4", "chunk_6", "split_job"]));
    }

    #[test]
    fn a_bundle_is_its_modules_end_to_end() {
        let dir = std::env::temp_dir().join(format!("bc-bundles-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.wasm"), b"\0asmAAA").unwrap();
        std::fs::write(dir.join("b.wasm"), b"\0asmB").unwrap();
        let plan = vec![("picker".to_owned(), vec!["a".to_owned(), "b".to_owned()])];
        let bundles = write(&dir, &plan).unwrap();
        assert_eq!(
            bundles,
            [Bundle {
                split: "picker".into(),
                file: "bundle_picker.bin".into(),
                parts: vec![("a".into(), 0, 7), ("b".into(), 7, 5)],
            }]
        );
        assert_eq!(
            std::fs::read(dir.join("bundle_picker.bin")).unwrap(),
            b"\0asmAAA\0asmB"
        );
        assert!(write(&dir, &[("flow".into(), vec!["missing".into()])]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    const MAIN: &str = "import * as import1 from \"./__wasm_split.js\"\nimport * as import2 from \"./__wasm_split.js\"\n\nfunction initSync(m) {}\nfunction imports() { return { \"./__wasm_split.js\": import2 }; }\nexport { initSync };\n";
    /// wasm_split's loader (0.2.4), cut short.
    const LOADER_JS: &str = r#"import { initSync } from "./bank-connect.js";

function makeLoad(fetcher, deps) {
    // Memoize successes only
}
/* picker, flow */
const __chunk_1 = makeLoad(() => {
    const src = fetch(new URL("./chunk_1.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
export const __wasm_split_load_picker = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_picker.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_1]));
"#;

    fn bundles() -> Vec<Bundle> {
        vec![Bundle {
            split: "picker".into(),
            file: "bundle_picker.bin".into(),
            parts: vec![("chunk_1".into(), 0, 10), ("split_picker".into(), 10, 20)],
        }]
    }

    #[test]
    fn the_loader_is_folded_into_the_main_js_and_fetches_through_the_bundles() {
        let js = fold_loader(
            MAIN,
            LOADER_JS,
            "./bank-connect.js",
            "./__wasm_split.js",
            &bundles(),
        )
        .unwrap();
        assert!(!js.contains("import * as"), "{js}");
        assert!(!js.contains("fetch(new URL(\"./chunk_1.wasm\""), "{js}");
        assert!(
            js.contains("const __chunk_1 = makeLoad(__bcFetcher(\"chunk_1\"), []);"),
            "{js}"
        );
        assert!(
            js.contains("const __wasm_split_load_picker = wrapAsyncCb(makeLoad(__bcFetcher(\"split_picker\"), [__chunk_1]));"),
            "{js}"
        );
        assert!(
            !js.contains("Memoize") && !js.contains("/* picker"),
            "no comments: {js}"
        );
        assert!(js.contains("return { __wasm_split_load_picker };"), "{js}");
        assert!(
            js.contains("const B = {picker:{chunk_1:10,split_picker:20}};"),
            "{js}"
        );
        // The main module's imports resolve to the folded loader, declared after it.
        let loader_at = js.find("const __bcSplitLoader = (() => {").unwrap();
        assert!(js.find("const import1 = __bcSplitLoader;").unwrap() > loader_at);
        assert!(js.find("const import2 = __bcSplitLoader;").unwrap() > loader_at);
        assert!(js.contains("export { initSync };"));
        assert_eq!(js.matches("import ").count(), 0, "{js}");
    }

    /// Runs split_bundles.js in Node.js (the machine's, as `npm` and `tsc` in the test command)
    /// against a `fetch` of this test's own, with `B` filled in as the build does.
    const LOADER_CHECK: &str = r#"
const unhandled = [];
process.on("unhandledRejection", (e) => unhandled.push(String(e)));
const empty = [0, 97, 115, 109, 1, 0, 0, 0];
// A module with one custom section "x" of `n` bytes (12 + n in all): valid, of any length.
const sized = (n) => [...empty, 0, n + 2, 1, 120, ...new Array(n).fill(7)];
const a = sized(20), b = sized(30), c = sized(10);
const files = {
  "bundle_picker.bin": [...a, ...b],
  "bundle_flow.bin": [...c],
  "split_job.wasm": [...empty],
};
const fetched = [];
// What became of a promised module.
const settle = (p) =>
  p.then((m) => (m instanceof WebAssembly.Module ? "module" : "odd"), () => "failed");
let release;
// A promise the picker's body waits for after its first 40 bytes (null: none).
let hold = new Promise((r) => (release = r));
let tail = []; // bytes the next picker body sends after its own
let cut = 0; // bytes the next picker body leaves out of its end
globalThis.fetch = async (u) => {
  const name = String(u).split("/").pop();
  fetched.push(name);
  if (!(name in files)) return new Response("", { status: 404 });
  let bytes = files[name];
  if (name === "bundle_picker.bin") {
    bytes = [...bytes, ...tail].slice(0, bytes.length + tail.length - cut);
  }
  const wait = name === "bundle_picker.bin" ? hold : null;
  const body = new ReadableStream({
    async start(k) {
      for (let at = 0; at < bytes.length; at += 7) {
        if (at >= 40 && wait) await wait;
        k.enqueue(new Uint8Array(bytes.slice(at, at + 7)));
      }
      k.close();
    },
  });
  // As the server sends them: a module with its wasm type, a bundle as bytes.
  const type = name.endsWith(".wasm") ? "application/wasm" : "application/octet-stream";
  return new Response(body, { status: 200, headers: { "Content-Type": type } });
};
"#;

    const LOADER_CHECK_END: &str = r#"
const log = [];
const late = setTimeout(() => {
  console.log(log.join("\n") + "\ntimed out");
  process.exit(1);
}, 10000);
(async () => {
  // 1. The first module compiles while the bundle's body is still held back.
  const first = __bcModule("split_a");
  const second = __bcModule("split_b");
  log.push("a:" + (await settle(first)));
  release();
  log.push("b:" + (await settle(second)));
  log.push("fetches:" + fetched.join(","));
  // 2. Asked for again: a new fetch of the bundle.
  log.push("again:" + (await settle(__bcModule("split_a"))) + ":" + fetched.length);
  // 3. A short bundle fails what it does not complete, and the next ask fetches it again.
  hold = null;
  cut = 5;
  const [sa, sb] = [__bcModule("split_a"), __bcModule("split_b")];
  log.push("short:" + (await settle(sa)) + "," + (await settle(sb)));
  cut = 0;
  log.push("after:" + (await settle(__bcModule("split_b"))) + ":" + fetched.length);
  // 4. Bytes past its table fail the last module.
  tail = [1, 2, 3];
  const [la, lb] = [__bcModule("split_a"), __bcModule("split_b")];
  log.push("long:" + (await settle(la)) + "," + (await settle(lb)));
  tail = [];
  // 5. Another step's bundle when all its modules are asked together; a module of no bundle
  // from its own file; a missing file fails.
  log.push("flow:" + (await settle(__bcModule("split_flow"))));
  log.push("job:" + (await settle(__bcModule("split_job"))));
  log.push("gone:" + (await settle(__bcModule("split_gone"))));
  await new Promise((r) => setTimeout(r, 50));
  log.push("unhandled:" + unhandled.length);
  clearTimeout(late);
  console.log(log.join("\n"));
})();
"#;

    /// What split_bundles.js, filled in with two bundles (the picker's: `split_a` and `split_b`;
    /// the form's: `split_flow`), prints in Node.js between [`LOADER_CHECK`] with `prelude`
    /// after it and `end`.
    fn run_loader(prelude: &str, end: &str) -> String {
        let bundles = [
            Bundle {
                split: "picker".into(),
                file: "bundle_picker.bin".into(),
                parts: vec![("split_a".into(), 0, 32), ("split_b".into(), 32, 42)],
            },
            Bundle {
                split: "flow".into(),
                file: "bundle_flow.bin".into(),
                parts: vec![("split_flow".into(), 0, 22)],
            },
        ];
        let runtime = RUNTIME.replace("/*BUNDLES*/", &bundles_js(&bundles));
        crate::run_node(&format!("{LOADER_CHECK}\n{prelude}\n{runtime}\n{end}"))
    }

    #[test]
    fn the_loader_streams_each_module_of_a_bundle_and_refuses_a_wrong_length() {
        assert_eq!(
            run_loader("", LOADER_CHECK_END),
            [
                "a:module",
                "b:module",
                "fetches:bundle_picker.bin",
                "again:module:2",
                "short:module,failed",
                "after:module:4",
                "long:module,failed",
                "flow:module",
                "job:module",
                "gone:failed",
                "unhandled:0",
            ]
            .join("\n")
        );
    }

    /// After [`LOADER_CHECK`]: the picker's bundle as index.html's early script asks for it,
    /// `window.__bcEarly.picker` (`early` is what it resolves to).
    const EARLY_PICKER: &str = r#"
hold = null;
globalThis.__bcEarly = { picker: Promise.resolve().then(() => EARLY) };
"#;

    const EARLY_PICKER_END: &str = r#"
const log = [];
(async () => {
  log.push("taken:" + !("picker" in globalThis.__bcEarly));
  log.push("a:" + (await settle(__bcModule("split_a"))) + ":" + fetched.length);
  log.push("b:" + (await settle(__bcModule("split_b"))) + ":" + fetched.length);
  log.push("again:" + (await settle(__bcModule("split_a"))) + ":" + fetched.join(","));
  await new Promise((r) => setTimeout(r, 50));
  log.push("unhandled:" + unhandled.length);
  console.log(log.join("\n"));
})();
"#;

    #[test]
    fn the_loader_takes_the_pickers_bundle_the_page_asked_for_once() {
        // The page's response: the loader fetches nothing itself, until a module is asked for
        // again.
        let early = EARLY_PICKER.replace("EARLY", r#"fetch("early/bundle_picker.bin")"#);
        assert_eq!(
            run_loader(&early, EARLY_PICKER_END),
            [
                "taken:true",
                "a:module:1",
                "b:module:1",
                "again:module:bundle_picker.bin,bundle_picker.bin",
                "unhandled:0",
            ]
            .join("\n")
        );
        // The page's request failed: the module asked for fails, and the next ask fetches the
        // bundle (whose other module the ask after it takes).
        let failed = EARLY_PICKER.replace("EARLY", r#"Promise.reject(Error("offline"))"#);
        assert_eq!(
            run_loader(&failed, EARLY_PICKER_END),
            [
                "taken:true",
                "a:failed:0",
                "b:module:1",
                "again:module:bundle_picker.bin",
                "unhandled:0",
            ]
            .join("\n")
        );
    }

    #[test]
    fn an_unexpected_loader_is_an_error_not_a_broken_app() {
        let fold = |main: &str, loader: &str| {
            fold_loader(
                main,
                loader,
                "./bank-connect.js",
                "./__wasm_split.js",
                &bundles(),
            )
        };
        assert!(fold(MAIN, &LOADER_JS.replace("./bank-connect.js", "./other.js")).is_err());
        assert!(fold(MAIN, &LOADER_JS.replace("fetch(new URL", "fetch(URL")).is_err());
        assert!(fold(&MAIN.replace("import * as", "// import"), LOADER_JS).is_err());
        assert!(fold(MAIN, &LOADER_JS.replace("export const", "const")).is_err());
        // A fetcher of another shape is left alone, so its module is not bundled: refused.
        assert!(fold(MAIN, &LOADER_JS.replacen("src.catch(() => {});", "", 1)).is_err());
        let mut odd = bundles();
        odd[0].parts[0].0 = "chunk-1".into();
        assert!(
            fold_loader(
                MAIN,
                LOADER_JS,
                "./bank-connect.js",
                "./__wasm_split.js",
                &odd
            )
            .is_err()
        );
    }
}
