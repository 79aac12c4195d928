// The split modules' bytes, one request per step (written by xtask/src/split_bundles.rs).
// `BUNDLES` (filled in by the build) maps each split point to its bundle file and the modules in
// it (`[offset, length]` in the file). The picker's bundle holds every module the picker needs
// and index.html preloads it; every other step's bundle holds its modules the picker's lacks.
// The loader asks `__bcModule(stem)` for each module it instantiates; the modules one load asks
// for in the same task are answered together: from the picker's bundle (fetched once), from a
// step's bundle when none of its modules was fetched before, else each from its own file.
const BUNDLES = /*BUNDLES*/;
const PICKER = BUNDLES.picker;
let batch = null;
let pickerBytes;
let pickerHanded = new Set();

function bundleUrl(file) {
    return new URL("./" + file, import.meta.url);
}

function fetchBytes(file) {
    return fetch(bundleUrl(file)).then(async (r) => {
        if (!r.ok) throw new Error(`${file}: HTTP ${r.status}`);
        return r.arrayBuffer();
    });
}

function wasmResponse(bytes, [offset, length]) {
    if (offset + length > bytes.byteLength) throw new Error("a truncated bundle");
    return new Response(new Uint8Array(bytes, offset, length), {
        headers: { "Content-Type": "application/wasm" },
    });
}

// The picker's bundle, fetched once (index.html's preload is reused); dropped once every module
// in it was handed out, or when its download fails (the next load tries again).
function pickerBundle() {
    if (pickerBytes === undefined) {
        const p = fetchBytes(PICKER.file);
        p.catch(() => {
            if (pickerBytes === p) pickerBytes = undefined;
        });
        pickerBytes = p;
        pickerHanded = new Set();
    }
    return pickerBytes;
}

function answer(wanted, bytes, parts, name) {
    wanted.resolve(bytes.then((b) => wasmResponse(b, parts[name])));
}

function flush() {
    const left = batch;
    batch = null;
    if (PICKER) {
        for (const [name, wanted] of [...left]) {
            if (!(name in PICKER.parts)) continue;
            left.delete(name);
            const bytes = pickerBundle();
            pickerHanded.add(name);
            if (pickerHanded.size === Object.keys(PICKER.parts).length && pickerBytes === bytes) {
                pickerBytes = undefined;
            }
            answer(wanted, bytes, PICKER.parts, name);
        }
    }
    for (const [split, bundle] of Object.entries(BUNDLES)) {
        if (bundle === PICKER) continue;
        const names = Object.keys(bundle.parts);
        if (!names.every((n) => left.has(n))) continue;
        const bytes = fetchBytes(bundle.file);
        bytes.catch(() => {});
        for (const name of names) {
            answer(left.get(name), bytes, bundle.parts, name);
            left.delete(name);
        }
    }
    for (const [name, wanted] of left) {
        wanted.resolve(fetch(bundleUrl(name + ".wasm")));
    }
}

// What the loader fetched each module with: a promise of its wasm `Response`.
function __bcModule(name) {
    if (batch === null) {
        batch = new Map();
        queueMicrotask(flush);
    }
    let wanted = batch.get(name);
    if (wanted === undefined) {
        wanted = {};
        wanted.promise = new Promise((resolve) => {
            wanted.resolve = resolve;
        });
        batch.set(name, wanted);
    }
    return wanted.promise;
}
