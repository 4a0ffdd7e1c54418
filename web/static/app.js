// The page: settings, a pool of Web Workers running entente's WebAssembly module, results.
// All numbers come from the module (web/src/lib.rs); this file only moves them around.
"use strict";

// The assumptions with a slider, as `--set` paths; a slider shows only where the scenario
// has that value (the U.S., China and Russia are in the flagship and the latest scenario).
const PROBES = ["intent.USA-CHN", "intent.USA-RUS", "pair.CHN-RUS.mistrust", "d0", "eta"];
const CLASSROOM_RUNS = 2000;
const MAX_WORKERS = 8;

const $ = (id) => document.getElementById(id);
const page = {
  scenarios: [], // shipped: {id, file, title, text}
  chosen: null, // the shipped scenario chosen, or null for the user's own file
  ownName: "my-scenario.toml",
  base: {}, // probe path -> {value, min, max} in the file as written
  sets: [], // [path, value] in order: the `--set` assignments
  checked: null, // the last successful check
  result: null, // the files of the last study
  pinned: null, // results kept as A
  busy: false,
};

// ---- The worker pool. ----

class Pool {
  constructor(module, size) {
    this.workers = [];
    this.pending = new Map();
    this.next = 1;
    this.onProgress = null;
    const ready = [];
    for (let k = 0; k < size; k++) {
      const w = new Worker("worker.js");
      ready.push(
        new Promise((resolve, reject) => {
          w.onmessage = (e) => {
            const m = e.data;
            if (m.type === "ready") resolve();
            else if (m.type === "fatal") reject(new Error(m.error));
            else this.receive(m);
          };
          w.onerror = (e) => reject(new Error(e.message || "the worker did not start"));
        }),
      );
      w.postMessage({ type: "init", module });
      this.workers.push(w);
    }
    this.ready = Promise.all(ready);
  }

  receive(m) {
    if (m.type === "progress") {
      if (this.onProgress && m.id !== null) this.onProgress(m.runs);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.status === 0) p.resolve(m.out);
    else if (m.status === 1) p.reject(refusal(JSON.parse(new TextDecoder().decode(m.out))));
    else p.reject(new Error("the simulation stopped: " + m.error));
  }

  // Send `request` (and binary `data`) to worker `k`; resolves with the answer's bytes.
  call(k, request, data) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[k].postMessage({ id, request, data });
    });
  }

  async json(k, request, data) {
    return JSON.parse(new TextDecoder().decode(await this.call(k, request, data)));
  }
}

function refusal(f) {
  const e = new Error(f.error);
  e.diagnostics = f.diagnostics || [];
  return e;
}

async function loadModule() {
  const response = fetch("entente.wasm");
  try {
    return await WebAssembly.compileStreaming(response);
  } catch (_) {
    // A server that does not say application/wasm: compile from the bytes.
    const bytes = await (await fetch("entente.wasm")).arrayBuffer();
    return WebAssembly.compile(bytes);
  }
}

// ---- Settings. ----

function scenarioText() {
  return $("editor").value;
}

function scenarioFile() {
  if (page.chosen && scenarioText() === page.chosen.text) return page.chosen.file;
  return page.ownName;
}

function intOrNull(id) {
  const v = $(id).value.trim();
  if (v === "") return null;
  if (!/^\d+$/.test(v)) throw new Error(`${$(id).labels[0].textContent.trim()}: expected a whole number, got "${v}"`);
  return Number(v);
}

function settings() {
  const s = {
    scenario: scenarioText(),
    file: scenarioFile(),
    set: page.sets.map(([p, v]) => `${p}=${v}`),
  };
  const theory = $("theory").value;
  if (theory) s.theory = theory;
  const runs = intOrNull("runs");
  if (runs !== null) s.runs = runs;
  const seed = intOrNull("seed");
  if (seed !== null) s.seed = seed;
  return s;
}

/** The comma-separated entries of the input `id`, trimmed, empty ones left out. */
function commaList(id) {
  return $(id)
    .value.split(",")
    .map((x) => x.trim())
    .filter((x) => x);
}

function chosenPairs() {
  return commaList("pairs");
}

function shellWord(w) {
  return /^[A-Za-z0-9_./=:-]+$/.test(w) ? w : "'" + w.replace(/'/g, "'\\''") + "'";
}

function commandLine(s, check) {
  const words = ["entente", "run"];
  if (!s.file.startsWith("<built-in>")) words.push(s.file);
  if (s.theory) words.push("--theory", s.theory);
  words.push("--runs", String(check.runs), "--seed", String(check.seed));
  for (const x of s.set) words.push("--set", x);
  return words.map(shellWord).join(" ");
}

function setValue(path) {
  const hit = page.sets.find(([p]) => p === path);
  return hit ? hit[1] : null;
}

function putSet(path, value) {
  const hit = page.sets.find(([p]) => p === path);
  if (hit) hit[1] = value;
  else page.sets.push([path, value]);
}

// Show each probe's slider where the scenario has the value, at the value in use.
function showProbes() {
  for (const field of document.querySelectorAll("[data-probe]")) {
    const path = field.dataset.probe;
    const b = page.base[path];
    field.hidden = !b;
    if (!b) continue;
    const input = field.querySelector("input");
    const v = setValue(path);
    const value = v !== null ? Number(v) : b.value;
    input.min = String(Math.max(b.min, Math.min(Number(input.min), value)));
    input.max = String(Math.min(b.max, Math.max(Number(input.max), value)));
    input.value = String(value);
    field.querySelector("output").textContent = v !== null ? v : formatNumber(b.value);
    field.classList.toggle("changed", v !== null);
  }
}

function formatNumber(x) {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

function showCommand() {
  try {
    const s = settings();
    if (page.checked) $("command").textContent = commandLine(s, page.checked);
  } catch (_) {
    /* shown when run */
  }
}

// ---- Errors and status. ----

function status(text) {
  $("status").textContent = text;
}

function showErrors(err) {
  const box = $("errors");
  box.replaceChildren();
  const h = document.createElement("p");
  h.textContent = err.diagnostics && err.diagnostics.length
    ? `The scenario file has ${err.diagnostics.length} problem(s); nothing was run:`
    : "Nothing was run:";
  box.append(h);
  if (err.diagnostics && err.diagnostics.length) {
    const list = document.createElement("ul");
    for (const d of err.diagnostics) {
      const li = document.createElement("li");
      const go = document.createElement("button");
      go.type = "button";
      go.className = "link";
      go.textContent = `line ${d.line}, column ${d.column}`;
      go.addEventListener("click", () => showLine(d.line));
      const what = document.createElement("span");
      what.textContent = ` — ${d.field}: ${d.message}`;
      li.append(go, what);
      list.append(li);
    }
    box.append(list);
  } else {
    const pre = document.createElement("pre");
    pre.textContent = err.message;
    box.append(pre);
  }
  box.hidden = false;
  document.body.dataset.status = "error";
}

function clearErrors() {
  $("errors").hidden = true;
  $("errors").replaceChildren();
}

// Open the editor at `line` (1-based) and select it.
function showLine(line) {
  $("editor-box").open = true;
  const ed = $("editor");
  const lines = ed.value.split("\n");
  let start = 0;
  for (let k = 0; k < line - 1 && k < lines.length; k++) start += lines[k].length + 1;
  const end = start + (lines[line - 1] || "").length;
  ed.focus();
  ed.setSelectionRange(start, end);
  const lh = parseFloat(getComputedStyle(ed).lineHeight) || 18;
  ed.scrollTop = Math.max(0, (line - 4) * lh);
}

// ---- Checking and running. ----

let pool = null;

async function check() {
  const s = settings();
  const base = { scenario: s.scenario, file: s.file };
  // The file's own values (before --set), for the sliders and Reset.
  const plain = await pool.json(0, { op: "check", ...base, probe: PROBES });
  page.base = plain.probes;
  $("scenario-title").textContent = plain.title;
  if ($("seed").value === "") $("seed").placeholder = String(plain.seed);
  const c = await pool.json(0, { op: "check", ...s, probe: PROBES });
  page.checked = c;
  if (!$("pairs").value) $("pairs").placeholder = c.key_pairs.join(",") || "A-B,C-D";
  showProbes();
  clearErrors();
  showCommand();
  return c;
}

function split(runs, workers) {
  const k = Math.max(1, Math.min(workers, Math.ceil(runs / 16)));
  const ranges = [];
  for (let i = 0; i < k; i++) {
    const first = Math.round((runs * i) / k);
    const end = Math.round((runs * (i + 1)) / k);
    if (end > first) ranges.push([first, end]);
  }
  return ranges;
}

async function runStudy() {
  if (page.busy) return;
  page.busy = true;
  $("run").disabled = true;
  document.body.dataset.status = "running";
  clearErrors();
  try {
    const s = settings();
    const c = await check();
    const ranges = split(c.runs, pool.workers.length);
    let done = 0;
    $("progress-box").hidden = false;
    $("progress").max = c.runs;
    $("progress").value = 0;
    const t0 = performance.now();
    const started = new Date();
    pool.onProgress = (runs) => {
      done += runs;
      $("progress").value = done;
      $("progress-text").textContent = `${done.toLocaleString("en")} of ${c.runs.toLocaleString("en")} runs`;
    };
    status(`Simulating ${c.runs.toLocaleString("en")} runs on ${ranges.length} worker(s)…`);
    const parts = await Promise.all(
      ranges.map(([first, end], k) => pool.call(k, { op: "simulate", ...s, first, end })),
    );
    pool.onProgress = null;
    status("Writing the results…");
    await pool.json(0, { op: "finish_begin", ...s });
    for (let k = 0; k < ranges.length; k++) {
      await pool.json(0, { op: "finish_part", first: ranges[k][0], end: ranges[k][1] }, parts[k]);
    }
    const seconds = (performance.now() - t0) / 1000;
    const files = await pool.json(0, {
      op: "finish_end",
      threads: ranges.length,
      started: rfc3339(started),
      finished: rfc3339(new Date()),
      wall_seconds: Math.round(seconds * 1000) / 1000,
    });
    const result = { files, settings: s, check: c, seconds, label: describe(s, c) };
    page.result = result;
    showResults();
    status(`${c.runs.toLocaleString("en")} runs in ${seconds.toFixed(2)} s on ${ranges.length} worker(s); drawing the charts…`);
    document.body.dataset.status = "done";
    document.body.dataset.seconds = seconds.toFixed(3);
    // The charts and tables of `entente report`, drawn after the numbers are on screen.
    const report = await pool.json(0, { op: "report", pairs: chosenPairs() });
    files["report.html"] = report["report.html"];
    if (page.result === result) {
      showReport();
      status(`${c.runs.toLocaleString("en")} runs in ${seconds.toFixed(2)} s on ${ranges.length} worker(s).`);
    }
  } catch (err) {
    pool.onProgress = null;
    showErrors(err);
    status("");
  } finally {
    $("progress-box").hidden = true;
    $("run").disabled = false;
    page.busy = false;
  }
}

function rfc3339(d) {
  return d.toISOString().replace(/\.\d+Z$/, "Z");
}

function describe(s, c) {
  const parts = [c.name];
  if (s.theory) parts.push(s.theory);
  parts.push(...s.set);
  parts.push(`${c.runs} runs, seed ${c.seed}`);
  return parts.join(" · ");
}

// ---- Results. ----

function parseCsv(text) {
  const lines = text.trim().split("\n");
  const head = lines[0].split(",");
  return lines.slice(1).map((l) => {
    const cells = l.split(",");
    const row = {};
    head.forEach((h, k) => (row[h] = cells[k]));
    return row;
  });
}

function pairRows(rows, names) {
  const out = [];
  for (const name of names) {
    const [a, b] = name.split("-");
    const r = rows.find((x) => (x.a === a && x.b === b) || (x.a === b && x.b === a));
    if (r && !out.includes(r)) out.push(r);
  }
  return out;
}

function cell(tr, text, cls) {
  const td = document.createElement(tr.parentElement && tr.parentElement.tagName === "THEAD" ? "th" : "td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.append(td);
}

function table(head, rows) {
  const t = document.createElement("table");
  const th = t.createTHead().insertRow();
  for (const h of head) {
    const c = document.createElement("th");
    c.scope = "col";
    c.textContent = h;
    th.append(c);
  }
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    r.forEach((x, k) => cell(tr, x, k > 0 ? "num" : ""));
  }
  return t;
}

const pct = (x) => (Number(x) * 100).toFixed(1) + " %";

function keyNames(c) {
  const chosen = chosenPairs();
  return chosen.length ? chosen : c.key_pairs;
}

function showResults() {
  const r = page.result;
  const f = r.files;
  $("summary-csv").textContent = f["summary.csv"];
  const rows = parseCsv(f["summary.csv"]);
  const names = keyNames(r.check);
  const shown = pairRows(rows, names.length ? names : rows.slice(0, 5).map((x) => `${x.a}-${x.b}`));
  const box = $("key-table");
  box.replaceChildren();
  const cap = document.createElement("p");
  cap.textContent = `At the horizon (${r.check.end_year}), over ${r.check.runs.toLocaleString("en")} runs:`;
  box.append(
    cap,
    table(
      ["pair", "P(alliance)", "P(rivalry)", "mean alignment", "5–95 % of runs"],
      shown.map((x) => [
        `${x.a}–${x.b}`,
        pct(x.p_alliance_end),
        pct(x.p_rivalry_end),
        Number(x.mean_alignment_end).toFixed(2),
        `${Number(x.q05_alignment_end).toFixed(2)} to ${Number(x.q95_alignment_end).toFixed(2)}`,
      ]),
    ),
  );
  for (const [id, name, type] of [
    ["dl-summary", "summary.csv", "text/csv"],
    ["dl-timeseries", "timeseries.csv", "text/csv"],
    ["dl-states", "states.csv", "text/csv"],
    ["dl-camps", "camps.csv", "text/csv"],
    ["dl-manifest", "manifest.json", "application/json"],
  ]) {
    download(id, f[name], type);
  }
  $("dl-report").hidden = true;
  $("report").srcdoc = "<p style='font-family:sans-serif'>Drawing the charts…</p>";
  $("results").hidden = false;
  $("story").hidden = false;
  $("run-index").max = String(r.check.runs - 1);
}

function download(id, text, type) {
  const a = $(id);
  if (a.href) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([text], { type }));
}

function showReport() {
  const f = page.result.files;
  download("dl-report", f["report.html"], "text/html");
  $("dl-report").hidden = false;
  $("report").srcdoc = f["report.html"];
  showCompare();
}

function showCompare() {
  const a = page.pinned;
  const b = page.result;
  $("compare").hidden = !a;
  if (!a || !b) return;
  $("cap-a").textContent = "A: " + a.label;
  $("cap-b").textContent = "B: " + b.label;
  $("report-a").srcdoc = a.files["report.html"];
  $("report-b").srcdoc = b.files["report.html"];
  const ra = parseCsv(a.files["summary.csv"]);
  const rb = parseCsv(b.files["summary.csv"]);
  const key = (x) => `${x.a}-${x.b}`;
  const inB = new Map(rb.map((x) => [key(x), x]));
  const both = ra.filter((x) => inB.has(key(x))).map((x) => [x, inB.get(key(x))]);
  const names = new Set(keyNames(b.check));
  const change = ([x, y]) =>
    Math.abs(y.p_alliance_end - x.p_alliance_end) + Math.abs(y.p_rivalry_end - x.p_rivalry_end);
  const keyRows = both.filter(([x]) => names.has(key(x)) || names.has(`${x.b}-${x.a}`));
  const moved = both
    .filter((p) => !keyRows.includes(p))
    .sort((p, q) => change(q) - change(p))
    .slice(0, 8);
  const sign = (d) => (d > 0 ? "+" : d < 0 ? "−" : "±") + (Math.abs(d) * 100).toFixed(1);
  const box = $("compare-table");
  box.replaceChildren(
    table(
      ["pair", "P(alliance) A", "B", "B − A (points)", "P(rivalry) A", "B", "B − A (points)"],
      [...keyRows, ...moved].map(([x, y]) => [
        `${x.a}–${x.b}`,
        pct(x.p_alliance_end),
        pct(y.p_alliance_end),
        sign(y.p_alliance_end - x.p_alliance_end),
        pct(x.p_rivalry_end),
        pct(y.p_rivalry_end),
        sign(y.p_rivalry_end - x.p_rivalry_end),
      ]),
    ),
  );
}

/** The states the story follows (`--focus`): ids, comma-separated; empty for the default. */
function storyFocus() {
  return commaList("story-focus");
}

/** Years between the story's summaries (`--every`), or null for explain's default. */
function storyEvery() {
  const v = $("story-every").value.trim();
  if (v === "") return null;
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new Error(`Summary every: expected a number of years above 0, got "${v}"`);
  return x;
}

/** Years a pair's change of class must last to be told (`--settle`), or null for the default. */
function storySettle() {
  const v = $("story-settle").value.trim();
  if (v === "") return null;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new Error(`Changes lasting: expected a number of years, 0 or more, got "${v}"`);
  return x;
}

async function tellStory() {
  const r = page.result;
  if (!r) return;
  const k = Number($("run-index").value);
  $("story-text").textContent = "…";
  try {
    const ask = { op: "explain", ...r.settings, run: k, focus: storyFocus() };
    const [every, settle] = [storyEvery(), storySettle()];
    if (every !== null) ask.every = every;
    if (settle !== null) ask.settle = settle;
    const story = await pool.json(0, ask);
    $("story-text").textContent = story.text;
  } catch (err) {
    $("story-text").textContent = err.message;
  }
}

// ---- Links. ----

// A scenario that is not a shipped one, unchanged, travels in the link itself: its text
// compressed (deflate) and written in base64url after `#toml=`. The fragment is never sent
// to the server; the page reads at most MAX_LINKED_BYTES of text from it (the command
// line's limit for a scenario file).
const MAX_LINKED_BYTES = 16 * 1024 * 1024;

function toBase64Url(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("expected base64url letters only");
  const b = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

async function packScenario(text) {
  const stream = new Blob([new TextEncoder().encode(text)]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return toBase64Url(new Uint8Array(await new Response(stream).arrayBuffer()));
}

async function unpackScenario(packed) {
  const reader = new Blob([fromBase64Url(packed)]).stream().pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  const parts = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_LINKED_BYTES) {
      await reader.cancel();
      throw new Error(`the scenario is larger than ${MAX_LINKED_BYTES / 1024 / 1024} MiB`);
    }
    parts.push(value);
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(await new Blob(parts).arrayBuffer());
}

async function link() {
  const u = new URL(location.href);
  u.search = "";
  u.hash = "";
  const q = u.searchParams;
  if (page.chosen && scenarioText() === page.chosen.text) q.set("scenario", page.chosen.id);
  if ($("theory").value) q.set("theory", $("theory").value);
  if ($("runs").value) q.set("runs", $("runs").value);
  if ($("seed").value) q.set("seed", $("seed").value);
  for (const [p, v] of page.sets) q.append("set", `${p}=${v}`);
  const [pairs, focus, every, settle] = [chosenPairs(), storyFocus(), storyEvery(), storySettle()];
  if (pairs.length) q.set("pairs", pairs.join(","));
  if ($("story-text").textContent) q.set("run", $("run-index").value);
  if (focus.length) q.set("focus", focus.join(","));
  if (every !== null) q.set("every", String(every));
  if (settle !== null) q.set("settle", String(settle));
  q.set("autorun", "1");
  if (!q.has("scenario")) u.hash = "toml=" + (await packScenario(scenarioText()));
  return u.toString();
}

async function readLink() {
  const q = new URLSearchParams(location.search);
  const wanted = q.get("scenario");
  const packed = new URLSearchParams(location.hash.slice(1)).get("toml");
  if (wanted && packed !== null) throw new Error("A link names its scenario either by scenario= or after #toml=, not both.");
  if (wanted) {
    const hit = page.scenarios.find((x) => x.id === wanted || x.file === wanted);
    if (!hit) throw new Error(`scenario=${wanted}: no such shipped scenario; they are ${page.scenarios.map((x) => x.id).join(", ")}`);
    choose(hit);
  }
  if (packed !== null) {
    let text;
    try {
      text = await unpackScenario(packed);
    } catch (err) {
      throw new Error(`The link's own scenario (after #toml=) could not be read: ${err.message}. Was the link cut short?`);
    }
    page.chosen = null;
    page.ownName = "linked-scenario.toml";
    $("scenario").value = "";
    $("editor").value = text;
  }
  if (q.get("theory")) $("theory").value = q.get("theory");
  if ($("theory").value !== (q.get("theory") || "")) {
    throw new Error(`theory=${q.get("theory")}: expected walt, waltz, bandwagon or liberal`);
  }
  if (q.get("runs")) $("runs").value = q.get("runs");
  if (q.get("seed")) $("seed").value = q.get("seed");
  if (q.get("pairs")) $("pairs").value = q.get("pairs");
  if (q.get("run")) $("run-index").value = q.get("run");
  if (q.get("focus")) $("story-focus").value = q.get("focus");
  if (q.get("every")) $("story-every").value = q.get("every");
  if (q.get("settle")) $("story-settle").value = q.get("settle");
  for (const x of q.getAll("set")) {
    const eq = x.indexOf("=");
    if (eq < 1) throw new Error(`set=${x}: expected PATH=VALUE, e.g. set=eta=0.3`);
    putSet(x.slice(0, eq), x.slice(eq + 1));
  }
  return q.get("autorun") === "1";
}

// ---- Wiring. ----

function choose(sc) {
  page.chosen = sc;
  $("scenario").value = sc.id;
  $("editor").value = sc.text;
}

async function start() {
  status("Loading the simulation…");
  const module = await loadModule();
  const size = Math.max(1, Math.min(MAX_WORKERS, navigator.hardwareConcurrency || 2));
  pool = new Pool(module, size);
  await pool.ready;
  page.scenarios = await pool.json(0, { op: "scenarios" });
  const sel = $("scenario");
  for (const sc of page.scenarios) {
    const o = document.createElement("option");
    o.value = sc.id;
    o.textContent = `${sc.id} — ${sc.title}`;
    sel.append(o);
  }
  const own = document.createElement("option");
  own.value = "";
  own.textContent = "your own file (edit below or open one)";
  sel.append(own);
  choose(page.scenarios[0]);
  $("runs").value = String(CLASSROOM_RUNS);

  // A link's error stays on screen (the check of the scenario would clear it) and stops
  // its autorun.
  let autorun = false;
  let linkError = null;
  try {
    autorun = await readLink();
  } catch (err) {
    linkError = err;
  }
  try {
    await check();
  } catch (err) {
    showErrors(err);
  }
  if (linkError) {
    showErrors(linkError);
    autorun = false;
  }
  status("Ready.");
  document.body.dataset.status = $("errors").hidden ? "ready" : "error";

  sel.addEventListener("change", async () => {
    const sc = page.scenarios.find((x) => x.id === sel.value);
    if (sc) choose(sc);
    else {
      page.chosen = null;
      $("editor-box").open = true;
      $("editor").focus();
    }
    page.sets = [];
    $("seed").value = "";
    $("pairs").value = "";
    try {
      await check();
    } catch (err) {
      showErrors(err);
    }
  });
  $("editor").addEventListener("input", () => {
    if (page.chosen && scenarioText() !== page.chosen.text) sel.value = "";
  });
  $("upload").addEventListener("change", async () => {
    const file = $("upload").files[0];
    if (!file) return;
    page.ownName = file.name;
    page.chosen = null;
    sel.value = "";
    $("editor").value = await file.text();
    page.sets = [];
    try {
      await check();
    } catch (err) {
      showErrors(err);
    }
  });
  $("check").addEventListener("click", async () => {
    try {
      await check();
      status("The file is a valid scenario.");
    } catch (err) {
      showErrors(err);
    }
  });
  for (const field of document.querySelectorAll("[data-probe]")) {
    const input = field.querySelector("input");
    input.addEventListener("input", () => {
      putSet(field.dataset.probe, input.value);
      showProbes();
      showCommand();
    });
  }
  for (const id of ["theory", "runs", "seed"]) $(id).addEventListener("change", showCommand);
  $("reset").addEventListener("click", () => {
    page.sets = [];
    $("theory").value = "";
    showProbes();
    showCommand();
  });
  $("run").addEventListener("click", runStudy);
  $("explain").addEventListener("click", tellStory);
  $("pin").addEventListener("click", () => {
    if (!page.result || !page.result.files["report.html"]) return;
    page.pinned = page.result;
    showCompare();
    status("Kept as A. Change the assumptions and press Run to compare.");
  });
  $("unpin").addEventListener("click", () => {
    page.pinned = null;
    showCompare();
  });
  $("copy-link").addEventListener("click", async () => {
    try {
      const u = await link();
      history.replaceState(null, "", u);
      await navigator.clipboard.writeText(u).catch(() => {});
      status("Link copied (it is also in the address bar).");
    } catch (err) {
      showErrors(err);
    }
  });

  if (!autorun) for (const w of pool.workers) w.postMessage({ type: "warm" });
  if (autorun && $("errors").hidden) {
    await runStudy();
    if (new URLSearchParams(location.search).get("run") !== null) await tellStory();
  }
}

start().catch((err) => {
  showErrors(err);
  status("The simulation could not start in this browser.");
});
