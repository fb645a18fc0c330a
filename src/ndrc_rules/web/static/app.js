// ndrc-rules serve: the pages' small behaviours, in plain JavaScript. Every page works
// without it (links and forms); it filters, sorts and searches the decisions table, and
// drives the editor's buttons with the textarea when the editor bundle is not loaded.
"use strict";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;

// POST a JSON body with the page's CSRF token; the JSON answer (or {error}).
async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  return response.json();
}
window.ndrc = { postJson, csrfToken };

// --- the decisions table: filters, search, sort -------------------------------------
function setUpDecisions(table) {
  const rows = Array.from(table.tBodies[0].rows);
  const filters = { regime: "#filter-regime", outcome: "#filter-outcome", rule: "#filter-rule" };
  const search = document.querySelector("#search");
  const apply = () => {
    const wanted = Object.fromEntries(
      Object.entries(filters).map(([key, id]) => [key, document.querySelector(id).value]));
    const words = search.value.trim().toLowerCase();
    for (const row of rows) {
      const shown = Object.entries(wanted).every(([key, value]) => !value || row.dataset[key] === value)
        && (!words || row.textContent.toLowerCase().includes(words));
      row.hidden = !shown;
    }
  };
  for (const id of Object.values(filters)) document.querySelector(id).addEventListener("change", apply);
  search.addEventListener("input", apply);
  const headers = Array.from(table.tHead.rows[0].cells);
  headers.forEach((header, column) => {
    const button = header.querySelector("button");
    if (!button) return;
    button.addEventListener("click", () => {
      const ascending = header.getAttribute("aria-sort") !== "ascending";
      for (const other of headers) other.setAttribute("aria-sort", "none");
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const key = (row) => row.cells[column].textContent.trim();
      rows.sort((a, b) => key(a).localeCompare(key(b), document.documentElement.lang, { numeric: true }));
      if (!ascending) rows.reverse();
      for (const row of rows) table.tBodies[0].appendChild(row);
    });
  });
}

// --- the editor without its bundle: the textarea and the three buttons ---------------
function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? String(values[key]) : ""));
}

function showDiagnostics(result, labels) {
  const list = document.querySelector("#diagnostics");
  list.replaceChildren();
  for (const d of result.diagnostics || []) {
    const item = document.createElement("li");
    item.className = `diagnostic ${d.severity}`;
    item.dataset.code = d.code;
    item.dataset.line = d.line;
    item.textContent = fill(labels.diagnostic, d) + (d.hint ? ` — ${d.hint}` : "");
    list.appendChild(item);
  }
  if ("errors" in result) {
    const clean = !result.errors && !result.warnings;
    document.querySelector("#check-status").textContent = clean ? labels.valid : fill(labels.invalid, result);
  }
}

function showExamples(result, labels) {
  const section = document.querySelector("#examples");
  section.querySelectorAll("ul, p").forEach((node) => node.remove());
  const list = document.createElement("ul");
  for (const example of result.examples || []) {
    const item = document.createElement("li");
    item.className = "example";
    item.dataset.ok = String(example.ok);
    item.textContent = `${example.title || example.name} (${example.line}) — ${example.ok ? labels.ok : labels.failed} : ${example.got}`;
    list.appendChild(item);
  }
  section.appendChild(list);
  for (const regime of result.coverage || []) {
    const line = document.createElement("p");
    line.className = "coverage";
    line.textContent = `${regime.regime} : ${regime.rules.length - regime.unreached.length}/${regime.rules.length}` +
      (regime.unreached.length ? ` — ${regime.unreached.join(", ")}` : "");
    section.appendChild(line);
  }
  if (result.diagnostics) showDiagnostics(result, labels);
}

// The editor bundle (static/editor.js, web/README.md) when the page loaded it; else the
// textarea, checked 400 ms after the last keystroke. Either way the same three buttons.
function mountEditor(host, labels) {
  const textarea = document.querySelector("#source");
  if (window.NdrcEditor) {
    const options = JSON.parse(labels.editor);
    return window.NdrcEditor.mount(host, {
      ...options,
      csrfToken: csrfToken(),
      onDiagnostics: (list, answer) => showDiagnostics({ ...answer, diagnostics: list }, labels),
    });
  }
  const file = host.dataset.file;
  let timer = null;
  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => showDiagnostics(await postJson("/api/check", { file, text: textarea.value }), labels), 400);
  });
  return {
    getText: () => textarea.value,
    setText: (value) => { textarea.value = value; },
    async format() {
      const result = await postJson("/api/format", { file, text: textarea.value });
      if (result.ok) textarea.value = result.text; else showDiagnostics(result, labels);
      return result;
    },
    save: (force) => postJson("/api/save", { file, text: textarea.value, force: Boolean(force) }),
  };
}

function setUpEditor(host) {
  const labels = document.querySelector("#labels").dataset;
  const file = host.dataset.file;
  const editor = mountEditor(host, labels);
  const status = document.querySelector("#save-status");
  document.querySelector("#format").addEventListener("click", () => editor.format());
  document.querySelector("#run-examples").addEventListener("click", async () => {
    showExamples(await postJson("/api/examples", { file, text: editor.getText() }), labels);
  });
  document.querySelector("#save").addEventListener("click", async () => {
    let result = await editor.save(false);
    if (!result.saved && !result.error && window.confirm(`${result.message}\n${labels.saveAnyway}`)) {
      result = await editor.save(true);
    }
    status.textContent = result.error || result.message;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const table = document.querySelector("#decisions");
  if (table) setUpDecisions(table);
  const host = document.querySelector("#editor");
  if (host && document.querySelector("#labels")) setUpEditor(host);
});
