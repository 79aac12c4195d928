// The split modules' bytes, one request per step (written by xtask/src/split_bundles.rs).
// `B` (filled in by the build) maps each split point to the modules in its bundle file
// (`bundle_<split>.bin`) with their lengths, in file order. The picker's bundle holds every module
// the picker needs and index.html asks for it early; every other step's bundle holds its modules the
// picker's lacks, and those of the steps it comes after (split_bundles.rs's AFTER: the job's
// lacks the form's, the form's the settled module's). The loader's
// fetcher of each module is `__bcFetcher(stem)`; the modules one load asks for in the same task
// are answered together: from the picker's bundle (fetched once), from a step's bundle when
// none of its modules was fetched before, else each from its own file.
const B = /*BUNDLES*/;
const P = B.picker || {};
let batch = null;

const url = (file) => new URL("./" + file, import.meta.url);
const wasm = { headers: { "Content-Type": "application/wasm" } };
const compile = (response) => {
    const p = WebAssembly.compileStreaming(response);
    p.catch(() => {});
    return p;
};

// The bundle of split point `s`: `{stem: promise of its compiled module}` at once. Each module's
// body is streamed to the compiler as its bytes arrive, so it compiles while the ones after it
// download. A failed fetch, or a file whose length is not its table's, fails every module not
// yet complete (the last one closes only at the file's end) and calls `failed`. `early`, when
// given, is a promise of the file's response already asked for (index.html's).
const bundle = (s, failed, early) => {
    const out = {};
    const parts = [];
    for (const [m, n] of Object.entries(B[s])) {
        let c;
        out[m] = compile(new Response(new ReadableStream({ start: (k) => void (c = k) }), wasm));
        parts.push([c, n]);
    }
    (async () => {
        const r = await (early || fetch(url(`bundle_${s}.bin`)));
        if (!r.ok) throw Error(r.url);
        const read = r.body.getReader();
        const last = parts.length - 1;
        let i = 0;
        let left = parts[0][1];
        for (;;) {
            const { done, value } = await read.read();
            if (done) break;
            for (let at = 0; at < value.length; ) {
                while (left === 0 && i < last) {
                    parts[i][0].close();
                    left = parts[++i][1];
                }
                if (left === 0) throw Error(r.url);
                const n = Math.min(left, value.length - at);
                parts[i][0].enqueue(value.subarray(at, at + n));
                at += n;
                left -= n;
            }
        }
        if (i !== last || left !== 0) throw Error(r.url);
        parts[i][0].close();
    })().catch((e) => {
        for (const [c] of parts) {
            try {
                c.error(e);
            } catch {}
        }
        failed();
    });
    return out;
};

// The picker's modules, compiling as their bytes arrive: the first view asks for them as it
// starts (on a slow link, while the last of them are still on the wire). Their bundle comes from
// index.html's early script when it asked for it (`__bcEarly.picker`: sent once the main wasm
// is nearly in, so the link carries the first view first), taken once; else it is fetched now.
// Each module is handed out once; one asked for again (after a failure, or after all were
// handed out) comes from a new fetch of the bundle.
let picker;
const pickerBundle = (early) => {
    const p = (picker = bundle(
        "picker",
        () => {
            if (picker === p) picker = undefined;
        },
        early,
    ));
};
if (Object.keys(P).length) {
    const early = globalThis.__bcEarly && globalThis.__bcEarly.picker;
    if (early) delete globalThis.__bcEarly.picker;
    pickerBundle(early);
}

const flush = () => {
    const left = batch;
    batch = null;
    for (const [m, resolve] of left) {
        if (!(m in P)) continue;
        left.delete(m);
        if (picker === undefined || !(m in picker)) pickerBundle();
        resolve(picker[m]);
        delete picker[m];
    }
    for (const s in B) {
        const ms = Object.keys(B[s]);
        if (s === "picker" || !ms.every((m) => left.has(m))) continue;
        const p = bundle(s, () => {});
        for (const m of ms) {
            left.get(m)(p[m]);
            left.delete(m);
        }
    }
    for (const [m, resolve] of left) resolve(compile(fetch(url(m + ".wasm"))));
};

// A promise of module `m`, compiled (one load's modules are answered together).
const __bcModule = (m) => {
    if (batch === null) {
        batch = new Map();
        queueMicrotask(flush);
    }
    return new Promise((resolve) => {
        const earlier = batch.get(m);
        batch.set(m, earlier ? (r) => (earlier(r), resolve(r)) : resolve);
    });
};

// What wasm_split's loader does with each module, fetched through the bundles: compiled as it
// arrives (wasm_split instantiates a module only once the chunks it imports are), instantiated
// when the loader says.
const __bcFetcher = (m) => () => {
    const compiled = __bcModule(m);
    compiled.catch(() => {});
    return async (imports) => WebAssembly.instantiate(await compiled, imports);
};
