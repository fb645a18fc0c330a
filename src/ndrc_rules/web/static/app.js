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

function setUpEditor(host) {
  const labels = document.querySelector("#labels").dataset;
  const file = host.dataset.file;
  // The bundle, when loaded, sets window.ndrcEditor = {getText, setText}.
  const text = () => (window.ndrcEditor ? window.ndrcEditor.getText() : document.querySelector("#source").value);
  const setText = (value) => (window.ndrcEditor ? window.ndrcEditor.setText(value) : (document.querySelector("#source").value = value));
  const status = document.querySelector("#save-status");
  const textarea = document.querySelector("#source");
  let timer = null;
  if (textarea) {
    textarea.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => showDiagnostics(await postJson("/api/check", { file, text: text() }), labels), 400);
    });
  }
  document.querySelector("#format").addEventListener("click", async () => {
    const result = await postJson("/api/format", { file, text: text() });
    if (result.ok) setText(result.text); else showDiagnostics(result, labels);
  });
  document.querySelector("#run-examples").addEventListener("click", async () => {
    showExamples(await postJson("/api/examples", { file, text: text() }), labels);
  });
  document.querySelector("#save").addEventListener("click", async () => {
    let result = await postJson("/api/save", { file, text: text(), force: false });
    if (!result.saved && !result.error && window.confirm(`${result.message}\n${labels.saveAnyway}`)) {
      result = await postJson("/api/save", { file, text: text(), force: true });
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
