// One Web Worker: an instance of entente's WebAssembly module, answering the page's requests
// one at a time (see web/src/lib.rs for the module's interface). The page never freezes:
// the simulation runs here, and progress comes back as messages while it runs.
"use strict";

let module = null;
let instance = null;
let current = null; // id of the request being answered, for its progress messages

// The module is built for WASI (wasm32-wasip1, see docs/web.md): the few system calls its
// standard library may make get answers here. There are no files, no environment and no
// clock in the simulation: a call the page does not provide answers ENOSYS.
const ENOSYS = 52;
const EBADF = 8;
let stderr = "";

function memory() {
  return instance.exports.memory.buffer;
}

const wasi = {
  // Only the standard library's hash maps ask for random bytes (their keys); no result
  // depends on them, as on the command line.
  random_get(ptr, len) {
    for (let at = 0; at < len; at += 65536) {
      crypto.getRandomValues(new Uint8Array(memory(), ptr + at, Math.min(65536, len - at)));
    }
    return 0;
  },
  environ_sizes_get(count, size) {
    const v = new DataView(memory());
    v.setUint32(count, 0, true);
    v.setUint32(size, 0, true);
    return 0;
  },
  environ_get() {
    return 0;
  },
  // Standard output and error (a panic's message) go to the console.
  fd_write(fd, iovs, count, written) {
    if (fd !== 1 && fd !== 2) return EBADF;
    const v = new DataView(memory());
    let n = 0;
    for (let k = 0; k < count; k++) {
      const ptr = v.getUint32(iovs + 8 * k, true);
      const len = v.getUint32(iovs + 8 * k + 4, true);
      stderr += new TextDecoder().decode(new Uint8Array(memory(), ptr, len));
      n += len;
    }
    v.setUint32(written, n, true);
    let nl;
    while ((nl = stderr.indexOf("\n")) >= 0) {
      console.error("entente: " + stderr.slice(0, nl));
      stderr = stderr.slice(nl + 1);
    }
    return 0;
  },
  fd_prestat_get() {
    return EBADF; // no folders are open to the module
  },
  proc_exit(code) {
    throw new Error(`the module stopped (exit ${code})`);
  },
  sched_yield() {
    return 0;
  },
};

function imports() {
  const system = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module === "wasi_snapshot_preview1") {
      system[imp.name] = wasi[imp.name] || (() => ENOSYS);
    }
  }
  return {
    wasi_snapshot_preview1: system,
    entente: {
      progress: (runs) => postMessage({ type: "progress", id: current, runs }),
    },
  };
}

async function start() {
  instance = await WebAssembly.instantiate(module, imports());
}

// Copy `bytes` into a buffer of the module's memory; returns its address.
function put(bytes) {
  const e = instance.exports;
  const ptr = e.ew_alloc(bytes.length);
  new Uint8Array(e.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

function call(request, data) {
  const e = instance.exports;
  const req = new TextEncoder().encode(JSON.stringify(request));
  const bin = data || new Uint8Array(0);
  const rp = put(req);
  const dp = put(bin);
  const status = e.ew_call(rp, req.length, dp, bin.length);
  // Copied out: the module's memory may move at its next call.
  const out = new Uint8Array(e.memory.buffer, e.ew_out_ptr(), e.ew_out_len()).slice();
  return { status, out };
}

onmessage = async (event) => {
  const m = event.data;
  if (m.type === "init") {
    module = m.module;
    try {
      await start();
      postMessage({ type: "ready" });
    } catch (err) {
      postMessage({ type: "fatal", error: String(err) });
    }
    return;
  }
  if (m.type === "warm") {
    // Run a few flagship runs so that the browser compiles the step to its fastest code
    // (it starts with a quick baseline compiler) before the first study is asked for.
    current = null;
    try {
      const list = JSON.parse(new TextDecoder().decode(call({ op: "scenarios" }).out));
      const f = list[0];
      call({ op: "simulate", scenario: f.text, file: f.file, runs: 64, first: 0, end: 64 });
    } catch (_) {
      /* only a warm-up */
    }
    return;
  }
  current = m.id;
  try {
    const { status, out } = call(m.request, m.data);
    postMessage({ type: "answer", id: m.id, status, out }, [out.buffer]);
  } catch (err) {
    // A trap (a bug of ours, or memory exhausted): report it, and start a fresh instance
    // so that the page stays usable.
    postMessage({ type: "answer", id: m.id, status: 2, error: String(err) });
    try {
      await start();
    } catch (_) {
      /* the next request reports it */
    }
  }
};
