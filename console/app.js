// Verso console: talks to versod's JSON API (docs/HTTP.md) with fetch().
// No framework and no build step: plain DOM, so it works offline from the
// files versod serves. Offsets from the server are UTF-8 bytes; texts are
// cut by byte ranges through TextEncoder/TextDecoder.
"use strict";

const $ = (sel) => document.querySelector(sel);
const enc = new TextEncoder();
const dec = new TextDecoder();

function status(text, isError) {
  const s = $("#status");
  s.textContent = text;
  s.className = isError ? "error" : "";
}

// The request headers: the API key as a bearer token, when one is given.
function authHeaders(extra) {
  const headers = Object.assign({}, extra);
  const key = $("#key").value.trim();
  if (key) headers["Authorization"] = "Bearer " + key;
  return headers;
}

// Throws the JSON error of a failed reply r (its body already read as `body`).
function failed(r, body) {
  const e = (body && body.error) || { code: "E" + r.status, message: r.statusText };
  return new Error(e.code + ": " + e.message);
}

// POST /api/v1/{op} with the fields; resolves to the result, rejects with the error.
async function api(op, fields) {
  const r = await fetch("/api/v1/" + op, { method: "POST",
    headers: authHeaders({ "Content-Type": "application/json" }), body: JSON.stringify(fields || {}) });
  const body = await r.json();
  if (!r.ok) throw failed(r, body);
  return body;
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

// The text cut at byte ranges [[start, end], ...] (sorted, not overlapping):
// a fragment with each range wrapped in `tag` (class cls).
function marked(text, ranges, tag, cls) {
  const bytes = enc.encode(text);
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const [s, e] of ranges || []) {
    if (s < at || e > bytes.length || s > e) continue;
    frag.append(dec.decode(bytes.slice(at, s)));
    const m = el(tag, cls ? { class: cls } : {}, dec.decode(bytes.slice(s, e)));
    if (s === e) m.textContent = "\u2038"; // an insertion point
    frag.append(m);
    at = e;
  }
  frag.append(dec.decode(bytes.slice(at)));
  return frag;
}

// ---- tabs -------------------------------------------------------------------
function showTab(name) {
  for (const b of document.querySelectorAll("#tabs button"))
    b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== name;
  if (name === "tms") loadTms();
  if (name === "server") pollStats();
}
for (const b of document.querySelectorAll("#tabs button"))
  b.addEventListener("click", () => showTab(b.dataset.tab));

// ---- TMs --------------------------------------------------------------------
async function loadTms() {
  try {
    const { tms } = await api("tm_list");
    for (const sel of document.querySelectorAll(".tm-select")) {
      const keep = sel.value;
      sel.replaceChildren(...tms.map((t) => el("option", { value: t.name }, t.name)));
      if (keep) sel.value = keep;
    }
    $("#tm-names").replaceChildren(...tms.map((t) => el("option", { value: t.name })));
    $("#tm-table tbody").replaceChildren(...tms.map((t) => el("tr", {},
      el("td", {}, t.name), el("td", {}, t.entries.toLocaleString()),
      el("td", {}, (t.pairs || []).map((p) => `${p.src_lang} \u2192 ${p.tgt_lang} (${p.entries})`).join(", ")),
      el("td", {}, el("button", { type: "button", class: "export",
        onclick: () => exportTmx(t.name) }, "Download TMX")))));
    const st = await api("stats");
    $("#backlog").textContent = `Fuzzy index backlog: ${st.fuzzy_index.pending_ids} entries not yet posted.`;
    status("");
  } catch (e) {
    status(e.message, true);
  }
}

// ---- TMX export and import ----------------------------------------------------
// The download goes through fetch so that it carries the key as a header
// (never in a URL), then is saved from a blob.
async function exportTmx(name) {
  status(`Exporting ${name}\u2026`);
  try {
    const r = await fetch(`/api/v1/tms/${encodeURIComponent(name)}/export`, { headers: authHeaders() });
    if (!r.ok) throw failed(r, await r.json().catch(() => null));
    const url = URL.createObjectURL(await r.blob());
    const a = el("a", { href: url, download: `verso-${name}.tmx` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status(`${name} exported`);
  } catch (e) {
    status(e.message, true);
  }
}

// An import's record (GET /api/v1/imports/{id}) as a line and its reasons.
function showImport(rec) {
  const n = (v) => Number(v || 0).toLocaleString();
  let line = `${rec.file} into ${rec.tm}: ${rec.state}, ${n(rec.tus)} TUs read, ` +
    `${n(rec.added)} added, ${n(rec.updated)} updated, ${n(rec.skipped)} skipped, ${n(rec.rejected)} rejected`;
  if (rec.error) line += ` (${rec.error.code}: ${rec.error.message})`;
  $("#import-status").textContent = line;
  $("#import-status").dataset.state = rec.state;
  $("#import-reasons").replaceChildren(...(rec.reasons || []).map((r) =>
    el("li", {}, `${n(r.n)} rejected: ${r.why}`)));
  const bar = $("#import-progress");
  if (rec.bytes_total) { bar.max = rec.bytes_total; bar.value = rec.bytes; }
}

async function pollImport(id) {
  const r = await fetch("/api/v1/imports/" + encodeURIComponent(id), { headers: authHeaders() });
  return r.ok ? r.json() : null;
}

// Sends the file with XMLHttpRequest (its upload reports progress), and polls
// the server's record of the import for what it has stored meanwhile.
function importTmx() {
  const file = $("#import-file").files[0];
  if (!file) return;
  const tm = $("#import-tm").value.trim() || "default";
  const id = "console-" + Array.from(crypto.getRandomValues(new Uint8Array(8)),
    (b) => b.toString(16).padStart(2, "0")).join("");
  const q = new URLSearchParams({ id, filename: file.name });
  for (const side of ["src", "tgt"])
    if ($("#import-" + side).value.trim()) q.set(side, $("#import-" + side).value.trim());
  const bar = $("#import-progress"), cancel = $("#import-cancel");
  bar.hidden = false;
  bar.max = file.size || 1;
  bar.value = 0;
  cancel.hidden = false;
  $("#import-reasons").replaceChildren();
  $("#import-status").textContent = `Sending ${file.name}\u2026`;
  $("#import-status").dataset.state = "running";
  const xhr = new XMLHttpRequest();
  xhr.open("POST", `/api/v1/tms/${encodeURIComponent(tm)}/import?${q}`);
  for (const [k, v] of Object.entries(authHeaders({ "Content-Type": "application/x-tmx+xml" })))
    xhr.setRequestHeader(k, v);
  xhr.upload.onprogress = (ev) => { bar.max = ev.total || bar.max; bar.value = ev.loaded; };
  // A poll answered after the upload's own reply is older than that reply:
  // it is dropped, or it would show "running" for an import that has ended.
  let finished = false;
  const poll = setInterval(() => pollImport(id).then((rec) => {
    if (rec && !finished) showImport(rec);
  }).catch(() => {}), 300);
  const done = async () => {
    finished = true;
    clearInterval(poll);
    cancel.hidden = true;
    let rec = null;
    try { rec = JSON.parse(xhr.responseText); } catch (e) { /* cut short: ask the server */ }
    if (rec && rec.id) showImport(rec);
    else if (rec && rec.error) {
      $("#import-status").textContent = `${rec.error.code}: ${rec.error.message}`;
      $("#import-status").dataset.state = "failed";
    } else {
      const last = await pollImport(id).catch(() => null);
      if (last) showImport(last);
    }
    loadTms();
  };
  xhr.onload = done;
  xhr.onerror = done;
  cancel.onclick = () => fetch("/api/v1/imports/" + encodeURIComponent(id),
    { method: "DELETE", headers: authHeaders() });
  xhr.send(file);
}
$("#import-form").addEventListener("submit", (ev) => { ev.preventDefault(); importTmx(); });

// ---- look up ----------------------------------------------------------------
function penaltyText(p) {
  return Object.entries(p || {}).map(([k, v]) => `${k} \u2212${v}`).join(", ");
}

function matchRow(m, rerun) {
  const srcRanges = (m.diffs || []).map((d) => d.src);
  const tgt = el("td", { class: "tgt" }, m.tgt);
  const edit = el("button", { type: "button", onclick: () => editTarget(m, tgt, rerun) }, "Edit");
  const del = el("button", { type: "button", onclick: () => deleteEntry(m, rerun) }, "Delete");
  return el("tr", { class: "match", "data-id": m.id },
    el("td", { class: "score" }, m.score + "%"),
    el("td", {}, el("span", { class: "badge kind-" + m.kind }, m.kind),
      el("div", { class: "penalties" }, penaltyText(m.penalties))),
    el("td", { class: "src" }, marked(m.src, srcRanges, "span", "diff")),
    tgt,
    el("td", { class: "actions" }, edit, del));
}

async function lookup() {
  const text = $("#lookup-text").value;
  if (!text.trim()) return;
  status("Looking up\u2026");
  try {
    const res = await api("lookup", {
      tm: $("#lookup-tm").value || "default", src_lang: $("#lookup-src").value,
      tgt_lang: $("#lookup-tgt").value, text, min_score: Number($("#lookup-min").value || 50),
    });
    const out = [];
    for (const r of res.results) {
      out.push(el("div", { class: "segment" }, r.segment));
      if (!r.matches.length) { out.push(el("p", { class: "none" }, "no match")); continue; }
      out.push(el("table", {}, el("tbody", {}, ...r.matches.map((m) => matchRow(m, lookup)))));
    }
    $("#lookup-results").replaceChildren(...out);
    status(`${res.results.length} segment(s)`);
  } catch (e) {
    status(e.message, true);
  }
}

async function editTarget(m, cell, rerun) {
  const input = el("input", { value: m.tgt, size: 60 });
  const save = async () => {
    try {
      await api("update", { entry_id: m.id, tgt: input.value });
      await rerun();
      status(`entry ${m.id} updated`);
    } catch (e) {
      status(e.message, true);
    }
  };
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") save();
    if (ev.key === "Escape") cell.replaceChildren(m.tgt);
  });
  cell.replaceChildren(input);
  input.focus();
}

async function deleteEntry(m, rerun) {
  if (!confirm(`Delete entry ${m.id}?\n${m.src}`)) return;
  try {
    await api("delete", { ids: [m.id] });
    await rerun();
    status(`entry ${m.id} deleted`);
  } catch (e) {
    status(e.message, true);
  }
}

$("#lookup-form").addEventListener("submit", (ev) => { ev.preventDefault(); lookup(); });
$("#lookup-text").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); lookup(); }
});
const area = $("#lookup-text");
area.addEventListener("dragover", (ev) => { ev.preventDefault(); area.classList.add("drop"); });
area.addEventListener("dragleave", () => area.classList.remove("drop"));
area.addEventListener("drop", async (ev) => {
  ev.preventDefault();
  area.classList.remove("drop");
  const f = ev.dataTransfer.files[0];
  if (f) { area.value = await f.text(); lookup(); }
});

// ---- concordance --------------------------------------------------------------
async function concordance() {
  status("Searching\u2026");
  try {
    const side = $("#conc-side").value;
    const res = await api("concordance", {
      tm: $("#conc-tm").value || "default", lang: $("#conc-lang").value, side,
      query: $("#conc-query").value, max_results: 50,
    });
    const rows = res.results.map((r) => {
      const searched = side === "tgt" ? r.tgt : r.src, other = side === "tgt" ? r.src : r.tgt;
      return el("tr", { class: "hit" },
        el("td", {}, r.phrase ? "phrase" : ""),
        el("td", {}, marked(searched, r.spans, "mark")), el("td", {}, other));
    });
    $("#conc-results").replaceChildren(rows.length
      ? el("table", {}, el("tbody", {}, ...rows)) : el("p", { class: "none" }, "nothing found"));
    status(`${rows.length} result(s)${res.more ? ", more in the TM" : ""}`);
  } catch (e) {
    status(e.message, true);
  }
}
$("#conc-form").addEventListener("submit", (ev) => { ev.preventDefault(); concordance(); });

// ---- server figures ----------------------------------------------------------
const rates = [];
let timer = null, last = null;

function drawChart() {
  const c = $("#chart"), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  const max = Math.max(1, ...rates);
  g.strokeStyle = "#1f5fbf";
  g.beginPath();
  rates.forEach((v, i) => {
    const x = (i / 59) * (c.width - 10) + 5, y = c.height - 5 - (v / max) * (c.height - 20);
    if (i) g.lineTo(x, y); else g.moveTo(x, y);
  });
  g.stroke();
  g.fillStyle = "#5a6270";
  g.fillText(`${max.toFixed(1)} req/s`, 8, 12);
}

async function pollStats() {
  clearTimeout(timer);
  if ($("#server").hidden) return;
  try {
    const st = await api("stats");
    const now = performance.now();
    if (last) rates.push((st.requests - last.requests) / ((now - last.t) / 1000));
    while (rates.length > 60) rates.shift();
    last = { requests: st.requests, t: now };
    drawChart();
    $("#server-summary").textContent = `${st.requests} requests, ${st.errors} errors, ` +
      `${st.running} running, ${st.queued} queued, up ${st.uptime_s} s`;
    const ops = Object.entries(st.ops || {});
    $("#op-table tbody").replaceChildren(...ops.map(([name, o]) => el("tr", {},
      el("td", {}, name), el("td", {}, o.count), el("td", {}, o.errors),
      el("td", {}, (o.p50_us / 1000).toFixed(2)), el("td", {}, (o.p99_us / 1000).toFixed(2)))));
    status("");
  } catch (e) {
    status(e.message, true);
  }
  timer = setTimeout(pollStats, 2000);
}

// The key stays for this tab's session only (not written to disk).
$("#key").value = sessionStorage.getItem("verso-key") || "";
$("#key").addEventListener("change", () => { sessionStorage.setItem("verso-key", $("#key").value); loadTms(); });
loadTms();
