// The regulation editor of `ndrc-rules serve`: CodeMirror 6 over the page's
// <textarea id="source">, diagnostics from /api/check as you type.
// Exposes window.NdrcEditor.mount(element, options); see web/README.md.
import { EditorState, StateEffect, StateField } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  showPanel,
} from "@codemirror/view";
import { syntaxHighlighting } from "@codemirror/language";
import { classHighlighter } from "@lezer/highlight";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { forceLinting, lintGutter, lintKeymap, linter, setDiagnostics } from "@codemirror/lint";
import { regulationLanguage } from "./language.js";

const CHECK_DELAY_MS = 400;

/** A French UI string passed by the page; `{name}` fields are filled from `fields`. */
function say(messages, key, fields = {}) {
  const template = messages[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in fields ? String(fields[name]) : whole));
}

/** POST `body` as JSON with the page's CSRF token; resolves to the decoded answer or
 * `{error}` (a French message) — never rejects. */
async function post(url, body, options) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": options.csrfToken ?? "" },
      body: JSON.stringify(body),
    });
  } catch {
    return { error: say(options.messages, "network") };
  }
  let answer;
  try {
    answer = await response.json();
  } catch {
    return { error: say(options.messages, "badAnswer", { status: response.status }) };
  }
  if (!response.ok && !answer.error) {
    return { error: say(options.messages, "badAnswer", { status: response.status }) };
  }
  return answer;
}

// The status line under the editor (network errors, format and save results).
const setStatus = StateEffect.define();
const statusField = StateField.define({
  create: () => null,
  update(value, transaction) {
    for (const effect of transaction.effects) if (effect.is(setStatus)) value = effect.value;
    return value;
  },
  provide: (field) => showPanel.from(field, (status) => (status ? statusPanel : null)),
});

function statusPanel(view) {
  const dom = document.createElement("div");
  dom.className = "ndrc-status";
  dom.setAttribute("role", "status");
  const show = (status) => {
    dom.textContent = status.text;
    dom.dataset.kind = status.kind;
  };
  show(view.state.field(statusField));
  return {
    dom,
    update(update) {
      const status = update.state.field(statusField);
      if (status) show(status);
    },
  };
}

function showStatus(view, kind, text) {
  view.dispatch({ effects: setStatus.of({ kind, text }) });
}

function clamp(value, low, high) {
  return Math.min(Math.max(value, low), high);
}

/** The document range of a server diagnostic: its UTF-16 `from`/`to` (or its line and
 * column), clamped to the document, an empty range widened to one character. */
function diagnosticRange(doc, item) {
  let from;
  let to;
  if (Number.isInteger(item.from)) {
    from = clamp(item.from, 0, doc.length);
    to = clamp(Number.isInteger(item.to) ? item.to : from, from, doc.length);
  } else {
    const line = doc.line(clamp(item.line ?? 1, 1, doc.lines));
    from = clamp(line.from + (item.column ?? 1) - 1, line.from, line.to);
    to = from;
  }
  if (from === to) {
    if (to < doc.length) to += 1;
    else if (from > 0) from -= 1;
  }
  return { from, to };
}

/** A one-click action for a server fix; its offsets are shifted with the diagnostic's
 * range, which CodeMirror keeps in step with later edits. */
function fixAction(fix, range) {
  return {
    name: fix.label,
    apply(view, from, to) {
      const length = view.state.doc.length;
      const start = clamp(from + (fix.from - range.from), 0, length);
      const end = clamp(to + (fix.to - range.to), start, length);
      view.dispatch({ changes: { from: start, to: end, insert: fix.insert } });
    },
  };
}

function renderMessage(text, hint) {
  const dom = document.createElement("div");
  dom.className = "ndrc-diagnostic";
  const message = document.createElement("span");
  message.textContent = text;
  dom.appendChild(message);
  if (hint) {
    const detail = document.createElement("span");
    detail.className = "ndrc-hint";
    detail.textContent = hint;
    dom.appendChild(detail);
  }
  return dom;
}

/** CodeMirror diagnostics from the server's list. */
function toDiagnostics(doc, list) {
  return list.map((item) => {
    const range = diagnosticRange(doc, item);
    const text = `${item.code} : ${item.message}`;
    return {
      ...range,
      severity: item.severity === "error" || item.severity === "warning" ? item.severity : "info",
      message: item.hint ? `${text} — ${item.hint}` : text,
      renderMessage: () => renderMessage(text, item.hint),
      actions: (item.fixes ?? []).map((fix) => fixAction(fix, range)),
    };
  });
}

function checkSource(options) {
  return async (view) => {
    const doc = view.state.doc;
    const answer = await post(options.checkUrl, { file: options.file, text: doc.toString() }, options);
    if (answer.error) {
      showStatus(view, "error", answer.error);
      return [];
    }
    if (view.state.field(statusField)?.kind === "error") showStatus(view, "info", "");
    const list = answer.diagnostics ?? [];
    options.onDiagnostics?.(list, answer);
    return toDiagnostics(doc, list);
  };
}

/** Select line `number` (1-based, clamped) and scroll it to the middle. */
function jumpToLine(view, number) {
  const doc = view.state.doc;
  const line = doc.line(clamp(number, 1, doc.lines));
  view.dispatch({
    selection: { anchor: line.from, head: line.to },
    effects: EditorView.scrollIntoView(line.from, { y: "center" }),
  });
  view.focus();
}

function jumpToHash(view) {
  const match = /^#L(\d+)$/.exec(window.location.hash);
  if (match) jumpToLine(view, Number(match[1]));
}

function findTextarea(element) {
  return element.querySelector("textarea") ?? document.getElementById("source");
}

/** The editor's accessible name: the textarea's <label> when it has one. */
function nameAttributes(label, messages) {
  if (!label) return { "aria-label": say(messages, "editorLabel") };
  if (!label.id) label.id = "source-label";
  return { "aria-labelledby": label.id };
}

/**
 * Mount the editor in `element`, replacing its <textarea> (kept, hidden, holding the
 * text for the form). Options: {text, file, checkUrl, formatUrl, saveUrl, csrfToken,
 * keywords, messages, onDiagnostics(list, answer), cspNonce}.
 */
export function mount(element, options) {
  const messages = options.messages ?? {};
  const settings = { ...options, messages };
  const textarea = findTextarea(element);
  const text = options.text ?? textarea?.value ?? "";
  const label = textarea?.labels?.[0];
  const attributes = { lang: "fr", spellcheck: "false", ...nameAttributes(label, messages) };
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    regulationLanguage(options.keywords ?? []),
    syntaxHighlighting(classHighlighter),
    statusField,
    lintGutter(),
    EditorView.contentAttributes.of(attributes),
    EditorView.updateListener.of((update) => {
      if (update.docChanged && textarea) textarea.value = update.state.doc.toString();
    }),
    keymap.of([
      { key: "Mod-s", preventDefault: true, run: () => (editor.save(false), true) },
      ...defaultKeymap,
      ...historyKeymap,
      ...searchKeymap,
      ...lintKeymap,
    ]),
  ];
  if (options.cspNonce) extensions.push(EditorView.cspNonce.of(options.cspNonce));
  if (options.checkUrl) extensions.push(linter(checkSource(settings), { delay: CHECK_DELAY_MS }));
  const view = new EditorView({ state: EditorState.create({ doc: text, extensions }), parent: element });
  label?.addEventListener("click", () => view.focus());
  if (textarea) {
    textarea.value = text;
    textarea.hidden = true;
  }

  const setText = (value) => {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
  };
  const editor = {
    view,
    getText: () => view.state.doc.toString(),
    setText,
    /** Check now instead of after the typing pause. */
    check: () => forceLinting(view),
    /** Format through formatUrl; replaces the text when the server says ok and nothing
     * was typed meanwhile. */
    async format() {
      const sent = editor.getText();
      const answer = await post(settings.formatUrl, { file: settings.file, text: sent }, settings);
      if (editor.getText() !== sent) {
        showStatus(view, "error", say(messages, "formatStale"));
      } else if (answer.ok && typeof answer.text === "string") {
        if (answer.text !== sent) setText(answer.text);
        showStatus(view, "info", say(messages, "formatted"));
      } else if (answer.error) {
        showStatus(view, "error", answer.error);
      } else {
        const list = answer.diagnostics ?? [];
        view.dispatch(setDiagnostics(view.state, toDiagnostics(view.state.doc, list)));
        settings.onDiagnostics?.(list, answer);
        showStatus(view, "error", say(messages, "formatRefused"));
      }
      return answer;
    },
    /** Save through saveUrl (`force` after the page warned); resolves to the answer. */
    async save(force = false) {
      const body = { file: settings.file, text: editor.getText(), force: Boolean(force) };
      const answer = await post(settings.saveUrl, body, settings);
      const text = answer.error ?? answer.message ?? "";
      showStatus(view, answer.saved ? "info" : "error", text);
      return answer;
    },
    jumpToLine: (number) => jumpToLine(view, number),
  };
  jumpToHash(view);
  window.addEventListener("hashchange", () => jumpToHash(view));
  return editor;
}

window.NdrcEditor = { mount };
