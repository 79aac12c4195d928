//! `cargo xtask build`: the release app in dist/, split into lazily loaded wasm chunks.
//!
//! trunk cannot split wasm (trunk-rs/trunk#1022), so the release pipeline lives here:
//!
//! 1. `cargo build --profile wasm-release --features split` with `--emit-relocs`, so the
//!    splitter can move code and data between modules;
//! 2. `wasm_split_cli_support` cuts the binary at the app's split points (`src/split.rs`) into
//!    the main module, one module per split point and shared chunks, plus the small loader
//!    `__wasm_split.js` the main module imports;
//! 3. `wasm-bindgen --target web` on the main module, `wasm-opt` on every module (the main
//!    module's unused wasm-streams exports removed first, `asset_trim`);
//!    then each split point's modules go into one bundle file and the loader into the main JS
//!    (`split_bundles`), so a step costs one request; the JS and the CSS lose their comments
//!    (`asset_trim`);
//! 4. everything goes into `dist/app-<content hash>/` (so the server can mark it immutable),
//!    with `dist/index.html` made from the root `index.html` (trunk's tags swapped for ours);
//!    the previous build's directory stays beside it for pages opened before this build;
//! 5. gzip and brotli copies beside each asset.
//!
//! With `BANK_CONNECT_WASM_NAMES=<dir>`, every module is also written to `<dir>` optimised the
//! same way but with its names kept (`wasm-opt -g`), and to `<dir>/pre` as the splitter left it,
//! for `twiggy top|dominators|garbage` and wasm-opt experiments; dist/ is unchanged. With
//! `BANK_CONNECT_KEEP_NAMES=1`, dist/'s own modules keep their names (a build to profile in
//! the browser, whose CPU profiles then name each wasm function; larger, never to ship).
//!
//! The new dist/ is assembled beside the old one and swapped in by a rename, so a reader never
//! sees a half-written app. `trunk serve` still builds the unsplit app from the same sources
//! for development.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::setup::ToolEnv;
use crate::{Failure, asset_trim, cmd, root, run_ok, split_bundles};

/// The file name wasm-bindgen gives the main module's JS (`--out-name`).
const MAIN_JS: &str = "bank-connect.js";
const MAIN_WASM: &str = "bank-connect_bg.wasm";
/// The loader the main module imports (relative to the main JS), folded into it.
const LINK_JS: &str = "__wasm_split.js";
/// wasm-opt's passes for every module: flattened and re-relooped, then `-Oz` three times (the
/// picker's bundle −540 B brotli and the main module −550 B against a single `-Oz`, measured
/// at ebd5e9b; `--converge` or `--gufa` gained less).
const OPT_PASSES: &[&str] = &["--flatten", "--rereloop", "-Oz", "-Oz", "-Oz"];
/// Features every browser we support has, and rustc's default wasm32 target enables.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Cargo's target directory (`CARGO_TARGET_DIR`, else `target/` in the workspace).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The directories cargo unpacks crates into (`$CARGO_HOME/registry/src/<index>`).
fn registry_sources() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry/src")) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(src)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Builds the release app into dist/.
pub fn build(env: &ToolEnv) -> Result<(), Failure> {
    println!("==> building the app (release wasm, split into lazily loaded chunks)");
    let mut cargo = cmd(
        env,
        "cargo",
        &[
            "build",
            "--profile",
            "wasm-release",
            "--target",
            "wasm32-unknown-unknown",
            "--bin",
            "bank-connect",
            "--features",
            "split",
        ],
    );
    // Replaces `.cargo/config.toml`'s wasm32 rustflags, so it repeats them; the crates'
    // source paths in panic locations lose the registry's directory (~3 kB of the wasm raw,
    // little after brotli: the prefix repeats; the paths no longer depend on CARGO_HOME).
    let mut flags: Vec<String> = ["--cfg", "erase_components", "-Clink-args=--emit-relocs"]
        .map(str::to_owned)
        .into();
    flags.extend(
        registry_sources()
            .into_iter()
            .map(|dir| format!("--remap-path-prefix={}/=", dir.display())),
    );
    cargo.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\u{1f}"));
    run_ok(cargo, "cargo build (wasm32, wasm-release)")?;
    let wasm = target_dir().join("wasm32-unknown-unknown/wasm-release/bank-connect.wasm");

    let stage = target_dir().join("app-build");
    if stage.exists() {
        std::fs::remove_dir_all(&stage)?;
    }
    std::fs::create_dir_all(&stage)?;
    let split_main = stage.join("main.wasm");
    let input = std::fs::read(&wasm)
        .map_err(|e| Failure(format!("cannot read {}: {e}", wasm.display())))?;
    let main_module = format!("./{MAIN_JS}");
    let link_name = format!("./{LINK_JS}");
    let split = wasm_split_cli_support::transform({
        let mut o = wasm_split_cli_support::Options::new(&input);
        o.output_dir = &stage;
        o.main_out_path = &split_main;
        o.main_module = &main_module;
        o.link_name = &link_name;
        o
    })
    .map_err(|e| Failure(format!("splitting the wasm: {e:#}")))?;

    let stage_arg = stage.to_string_lossy().into_owned();
    let main_arg = split_main.to_string_lossy().into_owned();
    run_ok(
        cmd(
            env,
            "wasm-bindgen",
            &[
                "--target",
                "web",
                "--keep-lld-exports",
                "--no-typescript",
                "--out-name",
                "bank-connect",
                "--out-dir",
                &stage_arg,
                &main_arg,
            ],
        ),
        "wasm-bindgen",
    )?;
    std::fs::remove_file(&split_main)?;
    // wasm-streams' classes, when nothing makes one: out of the JS, and their exports out of
    // the main module (before the optimisation, which then drops their code).
    let glue = std::fs::read_to_string(stage.join(MAIN_JS))?;
    let stream_exports = match asset_trim::drop_stream_classes(&glue) {
        Some(js) => {
            std::fs::write(stage.join(MAIN_JS), js)?;
            format!("--pass-arg=remove-exports@{}", asset_trim::STREAM_EXPORTS)
        }
        None => String::new(),
    };
    let main_wasm = stage.join(MAIN_WASM);

    let mut modules = vec![main_wasm.clone()];
    modules.extend(split.split_modules.iter().cloned());
    let names = std::env::var_os("BANK_CONNECT_WASM_NAMES").map(PathBuf::from);
    let keep_names = std::env::var_os("BANK_CONNECT_KEEP_NAMES").is_some();
    for m in &modules {
        let mut args: Vec<&str> = Vec::new();
        if *m == main_wasm && !stream_exports.is_empty() {
            args.extend(["--remove-exports", stream_exports.as_str()]);
        }
        if let Some(dir) = &names {
            named_copy(env, m, dir, &args)?;
        }
        let path = m.to_string_lossy().into_owned();
        args.extend_from_slice(OPT_PASSES);
        args.extend_from_slice(WASM_FEATURES);
        if keep_names {
            args.push("-g");
        } else {
            args.extend([
                "--strip-debug",
                "--strip-producers",
                "--strip-target-features",
            ]);
        }
        args.extend([path.as_str(), "-o", path.as_str()]);
        run_ok(cmd(env, "wasm-opt", &args), "wasm-opt")?;
    }
    // Short names for the main module's imports, in it and in its JS.
    let (short_wasm, short_js) = asset_trim::short_import_names(
        &std::fs::read(&main_wasm)?,
        &std::fs::read_to_string(stage.join(MAIN_JS))?,
        &format!("./{}", MAIN_WASM.replace(".wasm", ".js")),
    )?;
    std::fs::write(&main_wasm, short_wasm)?;
    std::fs::write(stage.join(MAIN_JS), short_js)?;
    // One request per step: its modules in one bundle, the loader inside the main JS.
    let bundles = split_bundles::write(&stage, &split_bundles::plan(&split.prefetch_map))?;
    let main_js = std::fs::read_to_string(stage.join(MAIN_JS))?;
    let loader_js = std::fs::read_to_string(stage.join(LINK_JS))?;
    let folded =
        split_bundles::fold_loader(&main_js, &loader_js, &main_module, &link_name, &bundles)?;
    std::fs::write(stage.join(MAIN_JS), folded)?;
    minify_js(env, &stage.join(MAIN_JS))?;
    std::fs::remove_file(stage.join(LINK_JS))?;
    let css = std::fs::read_to_string(root().join("style/main.css"))?;
    std::fs::write(stage.join("main.css"), asset_trim::drop_css_comments(&css))?;

    let dir = format!("app-{}", content_hash(&stage)?);
    let dist = root().join("dist");
    let next = root().join(format!("dist.next-{}", std::process::id()));
    if next.exists() {
        std::fs::remove_dir_all(&next)?;
    }
    std::fs::create_dir_all(&next)?;
    std::fs::rename(&stage, next.join(&dir))?;
    let template = std::fs::read_to_string(root().join("index.html"))?;
    let picker = bundles
        .iter()
        .find(|b| b.split == split_bundles::PICKER)
        .map(|b| b.file.as_str());
    let main_wasm_len = std::fs::metadata(next.join(&dir).join(MAIN_WASM))?.len();
    std::fs::write(
        next.join("index.html"),
        index_html_with(&template, &dir, picker, main_wasm_len)?,
    )?;
    precompress(env, &next.join(&dir))?;

    // The build the live index.html points to stays one more release, so pages opened before
    // this build can still fetch their split modules; anything older goes.
    if let Some(previous) = live_app_dir(&dist)
        && previous != dir
    {
        std::fs::rename(dist.join(&previous), next.join(&previous))?;
    }
    let old = root().join(format!("dist.old-{}", std::process::id()));
    if dist.exists() {
        std::fs::rename(&dist, &old)?;
    }
    std::fs::rename(&next, &dist)?;
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    println!(
        "    dist/{dir}: main module + {} lazily loaded module(s)",
        split.split_modules.len()
    );
    Ok(())
}

/// The JS at `path` minified in place by terser (npm, package.json): whitespace, comments and
/// local names out, property names kept (the wasm's imports go by them); −1.5 kB brotli.
fn minify_js(env: &ToolEnv, path: &Path) -> Result<(), Failure> {
    let out = path.with_extension("min.js");
    let (input, output) = (path.to_string_lossy(), out.to_string_lossy());
    run_ok(
        cmd(
            env,
            "terser",
            &[
                &input,
                "--module",
                "--compress",
                "passes=2",
                "--mangle",
                "--output",
                &output,
            ],
        ),
        "terser",
    )?;
    std::fs::rename(&out, path)?;
    Ok(())
}

/// `module` as the splitter left it into `dir/pre`, and optimised like dist/'s copy but with
/// its name section into `dir` (`BANK_CONNECT_WASM_NAMES`).
fn named_copy(env: &ToolEnv, module: &Path, dir: &Path, passes: &[&str]) -> Result<(), Failure> {
    let name = module.file_name().unwrap_or_default();
    std::fs::create_dir_all(dir.join("pre"))?;
    std::fs::copy(module, dir.join("pre").join(name))?;
    let (input, output) = (
        module.to_string_lossy().into_owned(),
        dir.join(name).to_string_lossy().into_owned(),
    );
    let mut args = passes.to_vec();
    args.extend_from_slice(OPT_PASSES);
    args.push("-g");
    args.extend_from_slice(WASM_FEATURES);
    args.extend([input.as_str(), "-o", output.as_str()]);
    run_ok(cmd(env, "wasm-opt", &args), "wasm-opt -g (named copy)")
}

/// The `app-<hash>` directory `dist/index.html` loads, when it is there.
fn live_app_dir(dist: &Path) -> Option<String> {
    let index = std::fs::read_to_string(dist.join("index.html")).ok()?;
    let first = first_view_assets(&index).into_iter().next()?;
    let dir = first.split('/').next()?.to_owned();
    (dir.starts_with("app-") && dist.join(&dir).is_dir()).then_some(dir)
}

/// 16 hex digits of SHA-256 over the stage's file names and contents.
fn content_hash(dir: &Path) -> Result<String, Failure> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.file_name().unwrap_or_default().as_encoded_bytes());
        h.update(std::fs::read(&f)?);
    }
    Ok(h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The root `index.html` with trunk's `data-trunk` tags replaced by the built assets: the
/// stylesheet, preloads, and the one inline module the server's CSP allows by its hash.
#[cfg(test)]
pub fn index_html(template: &str, dir: &str) -> Result<String, Failure> {
    index_html_with(template, dir, None, 0)
}

/// [`index_html`], with the picker's modules (their bundle's file name in `dir`) asked for by the
/// early script once the main wasm (`main_wasm_len` bytes) is within [`PICKER_LEAD`] of its end:
/// they download with the first view instead of after it has started, yet behind it on the link
/// (the browser shares a slow link among its requests, whatever their priority); the later
/// steps' modules are not among them.
pub fn index_html_with(
    template: &str,
    dir: &str,
    picker: Option<&str>,
    main_wasm_len: u64,
) -> Result<String, Failure> {
    let kept: Vec<&str> = template
        .lines()
        .filter(|l| !l.contains("data-trunk"))
        .collect();
    let mut html = kept.join("\n");
    html.push('\n');
    let at = main_wasm_len.saturating_sub(PICKER_LEAD);
    let paced = picker.map_or(String::new(), |file| {
        format!("{PACE_START}{at}{PACE_END}window.__bcEarly.picker = {LATER}{dir}/{file}'); ")
    });
    let tags = format!(
        r#"    <link rel="modulepreload" href="/{dir}/{MAIN_JS}" />
    <link rel="preload" href="/{dir}/{MAIN_WASM}" as="fetch" type="application/wasm" crossorigin />
    <script>{{ {EARLY}const wasm = early('/{dir}/{MAIN_WASM}'); window.__bcEarly = {{ config, institutions, wasm }}; {paced}}}</script>
    <link rel="stylesheet" href="/{dir}/main.css" />
    <script type="module">const {{ default: init }} = await import('/{dir}/{MAIN_JS}');await init({{ module_or_path: window.__bcEarly.wasm }});</script>
  </head>"#
    );
    match html.find("  </head>") {
        Some(at) => {
            html.replace_range(at..at + "  </head>".len(), &tags);
            Ok(html)
        }
        None => Err(Failure("index.html has no `  </head>` line".into())),
    }
}

/// The classic script's start: the requests the app makes first, sent while its code is still
/// on the wire (the app takes each answer from `window.__bcEarly` instead of sending its own,
/// src/api/server.rs), and the main wasm, whose response the bootstrap module hands to
/// wasm-bindgen (the preload above is reused; the browser caches the compiled module by its
/// URL). A module script would wait for the stylesheet (and the whole document) before it ran;
/// this one comes before the stylesheet and runs as the parser reaches it, after the main wasm's
/// preload (so its fetch takes that preload rather than racing it). The directory goes without
/// the app's `If-None-Match` (the app cannot read its cached ETag yet): the browser's HTTP cache
/// revalidates it instead.
const EARLY: &str = "const early = (path, init) => { const f = fetch(path, init); f.catch(() => {}); return f; }; \
const config = early('/api/config'); \
const institutions = early('/api/institutions', { headers: { Accept: 'application/json' } }); ";

/// How near the end of the main wasm (decoded bytes) the picker's bundle is asked for: about one
/// round trip of a slow link (150 ms at 1.6 Mbit/s is ~30 kB on the wire, ~95 kB of wasm at
/// brotli's ratio) and a little more, so the bundle's first bytes follow the main wasm's last
/// without a gap, and neither shares the link with the other for long.
pub const PICKER_LEAD: u64 = 128 * 1024;

/// `lead`: a promise that settles once the main wasm's response has brought all but
/// [`PICKER_LEAD`] of its bytes, or ended, or failed (read from a clone of the response, so
/// wasm-bindgen's streaming compile gets the original); `later(path)`: `path` fetched then.
const PACE_START: &str = "const lead = new Promise((go) => { wasm.then((r) => { const read = r.clone().body.getReader(); let n = 0; \
const pump = () => read.read().then(({ done, value }) => { if (done || (n += value.length) >= ";
const PACE_END: &str = ") { read.cancel().catch(() => {}); go(); } else return pump(); }); return pump(); }).catch(go); }); \
const later = (path) => { const f = lead.then(() => fetch(path)); f.catch(() => {}); return f; }; ";

/// How the early script asks for an asset the first view does not need (the picker's modules).
const LATER: &str = "later('/";

/// The assets `index.html` loads up front (paths relative to dist/, in page order): its module
/// preload, preloaded wasm and stylesheet, without the picker's modules.
pub fn first_view_assets(index: &str) -> Vec<String> {
    paths_after(index, "href=\"/", '"')
}

/// The picker's modules `index.html` asks for behind the first view (paths relative to dist/).
pub fn picker_assets(index: &str) -> Vec<String> {
    paths_after(index, LATER, '\'')
}

/// Each path that follows `opening` in `index` up to `close`, once, in page order.
fn paths_after(index: &str, opening: &str, close: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in index.split(opening).skip(1) {
        if let Some(end) = part.find(close) {
            let asset = &part[..end];
            if !out.iter().any(|a| a == asset) {
                out.push(asset.to_owned());
            }
        }
    }
    out
}

/// Writes `.gz` (and `.br` when brotli is installed) beside each asset, which the server
/// serves to browsers that accept them.
fn precompress(env: &ToolEnv, dir: &Path) -> Result<(), Failure> {
    let has_brotli = crate::setup::runs(env, "brotli", "--version");
    let mut assets = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|e| e == "js" || e == "wasm" || e == "css" || e == "bin")
        {
            assets.push(path);
        }
    }
    for asset in &assets {
        let name = asset.to_string_lossy().into_owned();
        run_ok(cmd(env, "gzip", &["-9", "-k", "-f", "-n", &name]), "gzip")?;
        if has_brotli {
            run_ok(
                cmd(env, "brotli", &["-q", "11", "-k", "-f", &name]),
                "brotli",
            )?;
        }
    }
    let note = if has_brotli {
        " + brotli"
    } else {
        "; brotli is not installed"
    };
    println!("    precompressed {} assets (gzip{note})", assets.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::index_html;

    #[test]
    fn index_swaps_trunk_tags_for_the_built_assets() {
        let template = "<html>\n  <head>\n    <title>x</title>\n    <link data-trunk rel=\"css\" href=\"style/main.css\" />\n    <link data-trunk rel=\"rust\" />\n  </head>\n  <body></body>\n</html>\n";
        let html = index_html(template, "app-0123").unwrap();
        assert!(!html.contains("data-trunk"));
        assert!(html.contains("<title>x</title>"));
        assert!(html.contains(r#"<link rel="stylesheet" href="/app-0123/main.css" />"#));
        assert!(
            html.contains("const { default: init } = await import('/app-0123/bank-connect.js')")
        );
        // The app's first requests go out before its code is fetched and run.
        let config = html.find("fetch(path, init)").unwrap();
        assert!(html.contains("early('/api/config')"));
        assert!(html.contains("early('/api/institutions',"));
        assert!(config < html.find("await import(").unwrap());
        // The main wasm: fetched by the early script (taking its preload, declared before it)
        // and handed to wasm-bindgen as that response.
        let wasm = html
            .find("early('/app-0123/bank-connect_bg.wasm')")
            .unwrap();
        assert!(
            html.find(r#"rel="preload" href="/app-0123/bank-connect_bg.wasm""#)
                .unwrap()
                < wasm
        );
        assert!(html.contains("window.__bcEarly = { config, institutions, wasm };"));
        assert!(html.contains("module_or_path: window.__bcEarly.wasm"));
        // Two inline scripts (each allowed by its CSP hash): the early requests, before the
        // stylesheet so they need not wait for it, and the bootstrap module.
        assert_eq!(html.matches("<script").count(), 2);
        assert!(config < html.find("rel=\"stylesheet\"").unwrap());
        // Without a picker's bundle nothing waits for the main wasm.
        assert!(!html.contains("later('/") && !html.contains("__bcEarly.picker"));
        assert!(html.rfind("</script>").unwrap() < html.find("</head>").unwrap());
    }

    #[test]
    fn first_view_is_what_the_index_loads_up_front() {
        let html = index_html("<html>\n  <head>\n  </head>\n</html>\n", "app-9").unwrap();
        assert_eq!(
            super::first_view_assets(&html),
            [
                "app-9/bank-connect.js",
                "app-9/bank-connect_bg.wasm",
                "app-9/main.css"
            ]
        );
    }

    #[test]
    fn the_live_build_is_the_one_index_html_loads() {
        let dist = std::env::temp_dir().join(format!("bc-live-app-{}", std::process::id()));
        std::fs::create_dir_all(dist.join("app-old")).unwrap();
        let html = index_html("<html>\n  <head>\n  </head>\n</html>\n", "app-live").unwrap();
        std::fs::write(dist.join("index.html"), html).unwrap();
        assert_eq!(super::live_app_dir(&dist), None, "its directory is gone");
        std::fs::create_dir_all(dist.join("app-live")).unwrap();
        assert_eq!(super::live_app_dir(&dist).as_deref(), Some("app-live"));
        std::fs::remove_dir_all(&dist).unwrap();
    }

    #[test]
    fn the_pickers_modules_are_asked_for_as_the_main_wasm_nears_its_end() {
        let template = "<html>\n  <head>\n  </head>\n</html>\n";
        let html =
            super::index_html_with(template, "app-9", Some("bundle_picker.bin"), 200_000).unwrap();
        assert_eq!(
            super::first_view_assets(&html),
            super::first_view_assets(&index_html(template, "app-9").unwrap())
        );
        assert_eq!(super::picker_assets(&html), ["app-9/bundle_picker.bin"]);
        assert!(html.contains("window.__bcEarly.picker = later('/app-9/bundle_picker.bin');"));
        // Not preloaded: a preload would share the link with the main wasm from the start.
        assert!(!html.contains(r#"href="/app-9/bundle_picker.bin""#));
        let at = 200_000 - super::PICKER_LEAD;
        assert!(
            html.contains(&format!("(n += value.length) >= {at})")),
            "{html}"
        );
        // A main wasm smaller than the lead: at once.
        let small =
            super::index_html_with(template, "app-9", Some("bundle_picker.bin"), 10).unwrap();
        assert!(small.contains("(n += value.length) >= 0)"));
        assert!(!html.contains("split_flow"));
    }

    /// The early script as the page runs it, in Node.js: the picker's bundle is fetched only once
    /// the main wasm's body has brought all but the lead, while wasm-bindgen still gets the whole
    /// body; a main wasm that fails still lets the bundle go.
    #[test]
    fn the_early_script_paces_the_pickers_bundle_behind_the_main_wasm() {
        let html = super::index_html_with(
            "<html>\n  <head>\n  </head>\n</html>\n",
            "app-9",
            Some("bundle_picker.bin"),
            super::PICKER_LEAD + 100,
        )
        .unwrap();
        let start = html.find("<script>").unwrap() + "<script>".len();
        let early = &html[start..start + html[start..].find("</script>").unwrap()];
        let check = format!(
            r#"
const log = [];
let more;
globalThis.window = globalThis;
globalThis.fetch = async (u) => {{
  log.push("fetch " + u);
  if (u.endsWith(".wasm")) {{
    if (globalThis.failWasm) throw Error("offline");
    // 60 bytes, then (once released) the rest of {len}.
    const gate = new Promise((r) => (more = r));
    return new Response(new ReadableStream({{
      async start(k) {{
        k.enqueue(new Uint8Array(60));
        await gate;
        k.enqueue(new Uint8Array(40)); // 100 bytes: the lead's mark
        await new Promise((r) => setTimeout(r, 20));
        k.enqueue(new Uint8Array({lead}));
        k.close();
      }},
    }}));
  }}
  return new Response("{{}}");
}};
const tick = () => new Promise((r) => setTimeout(r, 10));
(async () => {{
  {{ {early} }}
  await tick();
  log.push("before the mark");
  more();
  await window.__bcEarly.picker;
  log.push("wasm bytes " + (await (await window.__bcEarly.wasm).arrayBuffer()).byteLength);
  globalThis.failWasm = true;
  {{ {early} }}
  await window.__bcEarly.picker;
  console.log(log.join("\n"));
}})();
"#,
            len = super::PICKER_LEAD + 100,
            lead = super::PICKER_LEAD,
        );
        assert_eq!(
            crate::run_node(&check),
            [
                "fetch /api/config",
                "fetch /api/institutions",
                "fetch /app-9/bank-connect_bg.wasm",
                "before the mark",
                "fetch /app-9/bundle_picker.bin",
                "wasm bytes 131172",
                "fetch /api/config",
                "fetch /api/institutions",
                "fetch /app-9/bank-connect_bg.wasm",
                "fetch /app-9/bundle_picker.bin",
            ]
            .join("\n")
        );
    }

    #[test]
    fn index_without_a_head_is_an_error() {
        assert!(index_html("<html><body></body></html>", "app-1").is_err());
    }
}
