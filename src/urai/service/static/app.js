// urai's page: Periksa (check), Sumber (sources), Keluarga (families).
// Every string from the user or the server goes into the page through textContent or an
// attribute value, never as markup.
"use strict";
(function () {
  const T = JSON.parse(document.getElementById("i18n").textContent);
  const $ = (id) => document.getElementById(id);
  const EXAMPLE = "Serangan hawa yang dilancarkan koalisi pada Sabtu (21/10) menewaskan " +
    "sedikitnya 12 warga sipil lantaran menghantam pasar serta permukiman di pinggiran kota. " +
    "Beberapa korban bakal dimakamkan hari ini, kata juru bicara pemerintah setempat kepada " +
    "wartawan.";

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) node.setAttribute(k, String(v));
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function clip(s) { return s.length > 160 ? s.slice(0, 160).trimEnd() + " …" : s; }
  function pct(x) { return x === null || x === undefined ? "–" : Number(x).toFixed(2); }

  class ApiError extends Error {
    constructor(err) { super(err && err.message ? err.message : "error"); this.code = err && err.code; }
  }
  async function api(path, body) {
    const init = body === undefined ? {} : {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
    const resp = await fetch(path, init);
    let data;
    try { data = await resp.json(); } catch (e) { data = { error: { code: "bad_response", message: resp.statusText } }; }
    if (!resp.ok) throw new ApiError(data.error);
    return data;
  }
  function status(msg, isError) {
    const s = $("status");
    s.textContent = isError ? T.error + ": " + msg : msg;
    s.className = isError ? "error" : "";
  }
  function readFile(file) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result));
      r.onerror = () => reject(new Error(file.name));
      r.readAsText(file);
    });
  }
  // the document of a form: a chosen file, else the URL, else the pasted text
  async function formDoc() {
    const file = $("file") && $("file").files[0];
    if (file) {
      const content = await readFile(file);
      return /\.html?$/i.test(file.name) || /^\s*</.test(content) ? { html: content } : { text: content };
    }
    const url = $("url").value.trim();
    return url ? { url: url } : { text: $("text").value };
  }

  // ---- Periksa ------------------------------------------------------------------------------
  function renderMarked(node, text, subs) {
    clear(node);
    let pos = 0;
    subs.forEach((s, i) => {
      node.append(document.createTextNode(text.slice(pos, s.start)));
      const tipId = "tip-" + i;
      const mark = el("mark", { class: "sub", tabindex: 0, "aria-describedby": tipId,
        "data-suggestion": s.suggestion }, s.observed);
      const tip = el("span", { class: "tip", role: "tooltip", id: tipId });
      tip.append(el("strong", {}, T.suggest + ": " + s.suggestion));
      tip.append(document.createTextNode(" · " + T.confidence + " " + pct(s.confidence) +
        " · " + T.reason + ": " + s.reason));
      mark.append(tip);
      node.append(mark);
      pos = s.end;
    });
    node.append(document.createTextNode(text.slice(pos)));
  }
  function renderRestored(node, text, subs) {
    clear(node);
    let pos = 0;
    for (const s of subs) {
      node.append(document.createTextNode(text.slice(pos, s.start)));
      node.append(el("span", { class: "restored-word", title: s.observed }, s.suggestion));
      pos = s.end;
    }
    node.append(document.createTextNode(text.slice(pos)));
  }
  function initCheck() {
    let lastDoc = null;
    let lastJson = "";
    $("example").addEventListener("click", () => { $("text").value = EXAMPLE; $("text").focus(); });
    $("check-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      status(T.busy);
      try {
        const doc = await formDoc();
        const data = await api("/v1/check", doc);
        lastDoc = doc;
        const text = data.text !== undefined ? data.text : doc.text;
        const subs = (data.substitutions || []).slice().sort((a, b) => a.start - b.start);
        const v = $("verdict");
        v.textContent = T["v_" + data.verdict] || data.verdict;
        v.className = "v-" + data.verdict;
        $("summary").textContent = T.probability + " " + pct(data.spun_probability) + " · " +
          data.words + " " + T.words + " · " + subs.length + " " + T.subs;
        renderMarked($("marked"), text, subs);
        renderRestored($("restored"), text, subs);
        lastJson = JSON.stringify(data, null, 2);
        $("json").textContent = lastJson;
        $("result").hidden = false;
        status("");
        $("verdict-h").focus({ preventScroll: false });
      } catch (e) { status(e.message, true); }
    });
    $("copy-json").addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(lastJson); status(T.copied); }
      catch (e) { const r = document.createRange(); r.selectNodeContents($("json"));
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r); }
    });
    $("download").addEventListener("click", async () => {
      if (!lastDoc) return;
      try {
        const resp = await fetch("/v1/report?lang=" + document.body.dataset.lang, {
          method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(lastDoc) });
        if (!resp.ok) { const d = await resp.json(); throw new ApiError(d.error); }
        const url = URL.createObjectURL(await resp.blob());
        const a = el("a", { href: url, download: "urai-report.html" });
        document.body.append(a); a.click(); a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      } catch (e) { status(e.message, true); }
    });
    $("verdict-h").setAttribute("tabindex", "-1");
  }

  // ---- side-by-side alignment (Sumber, Keluarga) --------------------------------------------
  const words = (s) => (s.match(/\w+/gu) || []).length;
  function classify(ops) {
    // one layer per op: verbatim, swapped, reordered/paraphrased, inserted, deleted
    let maxEnd = -1;
    return ops.map((o) => {
      let layer = o.op === "copy" ? (o.synonym ? "swap" : "copy") : o.op;
      if ((o.op === "copy" || o.op === "swap") && o.source[1] > o.source[0]) {
        if (o.source[0] < maxEnd) layer = "reorder";
        else if (o.op === "swap" && words(o.query_text) !== words(o.source_text)) layer = "reorder";
        maxEnd = Math.max(maxEnd, o.source[1]);
      }
      return { op: o, layer: layer };
    });
  }
  function side(text, spans, title) {
    const box = el("div", {});
    box.append(el("h3", {}, title));
    let pos = 0;
    for (const s of spans.sort((a, b) => a.start - b.start)) {
      if (s.start < pos) continue;
      box.append(document.createTextNode(text.slice(pos, s.start)));
      box.append(el("span", { class: "op-" + s.layer, title: s.title }, text.slice(s.start, s.end)));
      pos = s.end;
    }
    box.append(document.createTextNode(text.slice(pos)));
    return box;
  }
  function unmatchedSentences(text, ops) {
    const aligned = ops.filter((o) => o.op === "copy" || o.op === "swap").map((o) => o.query);
    const out = [];
    const re = /[^.!?\n]+[.!?]*/g;
    let m;
    while ((m = re.exec(text)) !== null) {
      const a = m.index, b = m.index + m[0].length;
      if (!m[0].trim() || words(m[0]) < 3) continue;
      if (!aligned.some((q) => q[0] < b && q[1] > a)) out.push(m[0].trim());
    }
    return out;
  }
  function renderDiff(node, queryText, sourceText, alignment, unmatched) {
    clear(node);
    const layers = classify(alignment.ops);
    const q = [], s = [];
    for (const { op, layer } of layers) {
      if (op.query[1] > op.query[0]) {
        q.push({ start: op.query[0], end: op.query[1], layer: layer,
          title: layer === "copy" || layer === "insert" ? null : T.source_side + ": " + op.source_text });
      }
      if (op.source[1] > op.source[0]) {
        s.push({ start: op.source[0], end: op.source[1], layer: layer,
          title: layer === "copy" || layer === "delete" ? null : T.query_side + ": " + op.query_text });
      }
    }
    node.append(side(queryText, q, T.query_side + " (" + T.coverage + " " + pct(alignment.coverage) + ")"));
    node.append(side(sourceText, s, T.source_side));
    // what the copy added: the trace's unmatched spans, else sentences with no aligned word
    const extra = unmatched ? unmatched.filter((u) => u.words >= 3).map(
      (u) => queryText.slice(u.start, u.end).trim()) : unmatchedSentences(queryText, alignment.ops);
    if (extra.length) {
      const box = el("div", { class: "unmatched" });
      box.append(el("h3", {}, T.l_insert));
      const ul = el("ul", {});
      for (const sentence of extra) ul.append(el("li", { class: "op-insert" }, sentence));
      box.append(ul);
      node.append(box);
    }
  }

  // ---- Sumber -------------------------------------------------------------------------------
  function renderPassages(node, match, queryText, sourceText) {
    clear(node);
    const passages = match.passages || [];
    if (!passages.length) return;
    node.append(el("h3", {}, T.passages_h));
    const ol = el("ol", { class: "passages" });
    for (const p of passages) {
      const li = el("li", {});
      if (typeof p === "object" && p !== null && "query_start" in p) {
        li.append(el("q", { class: "op-copy" }, clip(queryText.slice(p.query_start, p.query_end))));
        li.append(document.createTextNode(" ← "));
        li.append(el("q", {}, clip(sourceText.slice(p.source_start, p.source_end))));
        li.append(document.createTextNode(" (" + p.kind + ", " + pct(p.similarity) + ", " +
          p.swaps + " " + T.swaps + ")"));
      } else {
        li.textContent = typeof p === "string" ? p : JSON.stringify(p);
      }
      ol.append(li);
    }
    node.append(ol);
  }
  function initSources() {
    let queryText = "";
    let unmatched = null;
    async function choose(match, button) {
      for (const b of document.querySelectorAll("#matches button")) b.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-pressed", "true");
      status(T.busy);
      try {
        const data = await api("/v1/trace/align", { source_id: match.id, text: queryText });
        renderPassages($("passages"), match, data.query_text, data.source_text);
        renderDiff($("diff"), data.query_text, data.source_text, data.alignment, unmatched);
        $("diff-section").hidden = false;
        status("");
      } catch (e) { status(e.message, true); }
    }
    $("trace-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      status(T.busy);
      $("diff-section").hidden = true;
      try {
        const doc = await formDoc();
        const data = await api("/v1/trace", Object.assign({ top: 10 }, doc));
        queryText = data.text !== undefined ? data.text : doc.text;
        unmatched = data.unmatched || null;
        const ol = $("matches");
        clear(ol);
        $("matches-section").hidden = false;
        if (!data.matches.length) { ol.append(el("li", {}, T.no_match)); status(""); return; }
        data.matches.forEach((m) => {
          const label = m.id + (m.title ? " — " + m.title : "") + " (" + T.score + " " + pct(m.score) +
            ", " + T.coverage + " " + pct(m.coverage) + ")";
          const b = el("button", { type: "button", class: "secondary", "aria-pressed": "false" }, label);
          b.addEventListener("click", () => choose(m, b));
          const li = el("li", {});
          li.append(b);
          if (m.url && /^https?:\/\//i.test(m.url)) {
            li.append(document.createTextNode(" "));
            li.append(el("a", { href: m.url, rel: "noopener noreferrer" }, m.url));
          }
          ol.append(li);
        });
        await choose(data.matches[0], ol.querySelector("button"));
      } catch (e) { status(e.message, true); }
    });
  }

  // ---- Keluarga -----------------------------------------------------------------------------
  function swapsText(swaps) {
    if (swaps === null || swaps === undefined) return "";
    if (!Array.isArray(swaps)) return String(swaps);
    return swaps.map((s) => Array.isArray(s) ? s.join(" → ") :
      (s && typeof s === "object") ? (s.observed || s.copy || "") + " → " + (s.original || s.suggestion || s.source || "") :
      String(s)).join(", ");
  }
  function initFamilies() {
    async function showFamily(fid, button) {
      for (const b of document.querySelectorAll("#families button")) b.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-pressed", "true");
      try {
        const fam = await api("/v1/families/" + encodeURIComponent(fid));
        $("family-h").textContent = T.family + " " + fam.family_id + " · " + fam.size + " " + T.size;
        const tbody = $("members").querySelector("tbody");
        clear(tbody);
        for (const d of fam.documents) {
          const tr = el("tr", {});
          tr.append(el("td", {}, d.id), el("td", {}, d.role), el("td", {}, pct(d.coverage)),
            el("td", {}, pct(d.spun_probability)), el("td", {}, swapsText(d.swaps)), el("td", {}, d.reason || ""));
          const td = el("td", {});
          if (d.role === "copy") {
            const b = el("button", { type: "button", class: "secondary" }, T.show_diff);
            b.setAttribute("aria-label", T.show_diff + ": " + d.id);
            b.addEventListener("click", async () => {
              try {
                const data = await api("/v1/families/" + encodeURIComponent(fid) + "/diff/" + encodeURIComponent(d.id));
                renderDiff($("diff"), data.query_text, data.source_text, data.alignment);
                $("diff-section").hidden = false;
                status("");
              } catch (e) { status(e.message, true); }
            });
            td.append(b);
          }
          tr.append(td);
          tbody.append(tr);
        }
        $("diff-section").hidden = true;
        $("family-section").hidden = false;
      } catch (e) { status(e.message, true); }
    }
    async function search() {
      try {
        const minSize = $("singles").checked ? 1 : 2;
        const data = await api("/v1/families?q=" + encodeURIComponent($("q").value) +
          "&limit=100&min_size=" + minSize);
        const ul = $("families");
        clear(ul);
        if (!data.families.length) ul.append(el("li", {}, T.no_family));
        for (const f of data.families) {
          const sites = Array.isArray(f.sites) ? f.sites.join(", ") : (f.sites || "");
          const b = el("button", { type: "button", class: "secondary", "aria-pressed": "false" },
            T.family + " " + f.family_id + " · " + f.size + " " + T.size + " · " + T.original + ": " +
            (f.original || "–") + (sites ? " · " + T.sites + ": " + sites : ""));
          b.addEventListener("click", () => showFamily(f.family_id, b));
          const li = el("li", {});
          li.append(b);
          ul.append(li);
        }
        status(data.total + " " + T.family);
      } catch (e) { status(e.message, true); }
    }
    $("family-form").addEventListener("submit", (ev) => { ev.preventDefault(); search(); });
    search();
  }

  const page = document.body.dataset.page;
  if (page === "check") initCheck();
  else if (page === "sources") initSources();
  else if (page === "families") initFamilies();
})();
