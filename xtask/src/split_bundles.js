// The split modules' bytes, one request per step (written by xtask/src/split_bundles.rs).
// `B` (filled in by the build) maps each split point to the modules in its bundle file
// (`bundle_<split>.bin`) with their lengths, in file order. The picker's bundle holds every module
// the picker needs and index.html preloads it; every other step's bundle holds its modules the
// picker's lacks, and those of the steps it comes after (split_bundles.rs's AFTER: the job's
// lacks the form's, the form's the settled module's). The loader's
// fetcher of each module is `__bcFetcher(stem)`; the modules one load asks for in the same task
// are answered together: from the picker's bundle (fetched once), from a step's bundle when
// none of its modules was fetched before, else each from its own file.
const B = /*BUNDLES*/;
const P = B.picker || {};
let batch = null;
let picker;
let handed = 0;

const url = (file) => new URL("./" + file, import.meta.url);

// The bundle of split point `s`: a promise of `{stem: bytes}` for its modules.
const bundle = (s) => {
    const p = fetch(url(`bundle_${s}.bin`)).then(async (r) => {
        if (!r.ok) throw Error(r.url);
        const b = await r.arrayBuffer();
        const out = {};
        let at = 0;
        for (const [m, n] of Object.entries(B[s])) {
            out[m] = new Uint8Array(b, at, n);
            at += n;
        }
        if (at !== b.byteLength) throw Error(r.url);
        return out;
    });
    p.catch(() => {});
    return p;
};

// Module `m` of the bundle `p` as a wasm response.
const part = (p, m) =>
    p.then((b) => new Response(b[m], { headers: { "Content-Type": "application/wasm" } }));

const flush = () => {
    const left = batch;
    batch = null;
    for (const [m, resolve] of left) {
        if (!(m in P)) continue;
        left.delete(m);
        // Fetched once (index.html's preload is reused); again after a failure, or when a
        // module is asked for again after every one in it was handed out.
        if (picker === undefined) {
            const p = (picker = bundle("picker"));
            p.catch(() => {
                if (picker === p) picker = undefined;
            });
            handed = 0;
        }
        const p = picker;
        if (++handed === Object.keys(P).length) picker = undefined;
        resolve(part(p, m));
    }
    for (const s in B) {
        const ms = Object.keys(B[s]);
        if (s === "picker" || !ms.every((m) => left.has(m))) continue;
        const p = bundle(s);
        for (const m of ms) {
            left.get(m)(part(p, m));
            left.delete(m);
        }
    }
    for (const [m, resolve] of left) resolve(fetch(url(m + ".wasm")));
};

// A promise of module `m`'s wasm response (one load's modules are answered together).
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

// What wasm_split's loader does with each module, fetched through the bundles.
const __bcFetcher = (m) => () => {
    const src = __bcModule(m);
    src.catch(() => {});
    return async (imports) => WebAssembly.instantiateStreaming(src, imports);
};
