// The config form's YAML editor: CodeMirror 6 with completion of keys and enum values from the
// run-config schema, the schema's description on hover, and the problems that the Python side
// finds (the engine's validator) underlined on their lines and listed under the editor.
//
// The model holds the text (`value`, both ways), the schema as a tree of nodes (`schema`, built
// by yaml_editor.py's schema_tree) and the problems (`diagnostics`: line, column, end_line,
// end_column, 1-based, and message). Typed text is sent after a short pause.
import { autocompletion, closeBrackets, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { HighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  hoverTooltip,
  keymap,
  lineNumbers,
  placeholder,
} from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { esc, html } from "./common.js";

const SEND_AFTER_MS = 300;

// ---- where the cursor is in the document --------------------------------------------------

const KEY_LINE = /^(\s*)((?:-\s+)*)([^\s:#'"\-][^:#]*?|"[^"]*"|'[^']*')\s*:(?:\s|$)/;
const DASH_LINE = /^(\s*)((?:-\s+)*)-?\s*$/;

function unquote(key) {
  return /^["'].*["']$/.test(key) ? key.slice(1, -1) : key;
}

/** A line's structure: the column of its first dash, of its key, the key, whether it has a dash. */
function parseLine(text) {
  if (/^\s*(#|$)/.test(text)) return null;
  const m = KEY_LINE.exec(text);
  if (m) {
    return { spaces: m[1].length, keycol: m[1].length + m[2].length, key: unquote(m[3]), dash: m[2].length > 0 };
  }
  const d = /^(\s*)-(\s|$)/.exec(text);
  if (d) return { spaces: d[1].length, keycol: d[0].length, key: null, dash: true };
  return { spaces: /^\s*/.exec(text)[0].length, keycol: /^\s*/.exec(text)[0].length, key: null, dash: false };
}

/**
 * The path (keys, and "[]" for list items) of the mapping that holds a key written at column
 * `col` on line number `row` (0-based), read from the indentation of the lines above.
 */
export function parentPath(lines, row, col, ownDash) {
  const path = [];
  let limit = col;
  let afterDash = false;
  if (ownDash !== null && ownDash !== undefined) {
    path.unshift("[]");
    limit = ownDash;
    afterDash = true;
  }
  for (let r = row - 1; r >= 0 && (limit > 0 || afterDash); r--) {
    const line = parseLine(lines[r]);
    if (!line) continue;
    if (line.dash && line.spaces < limit) {
      if (line.key !== null && line.keycol < limit) path.unshift(line.key);
      path.unshift("[]");
      limit = line.spaces;
      afterDash = true;
      continue;
    }
    if (!line.dash && line.key !== null && (line.keycol < limit || (afterDash && line.keycol <= limit))) {
      path.unshift(line.key);
      limit = line.keycol;
      afterDash = false;
    }
  }
  return path;
}

// ---- the schema tree ----------------------------------------------------------------------

function child(node, step) {
  if (!node) return null;
  if (step === "[]") return node.item || null;
  if (node.fields && node.fields[step]) return node.fields[step].node;
  return node.entry || null;
}

/** The schema node at `path`, or null where the schema says nothing. */
export function nodeAt(root, path) {
  let node = root;
  for (const step of path) node = child(node, step);
  return node;
}

function fieldAt(root, path, key) {
  const parent = nodeAt(root, path);
  return parent && parent.fields ? parent.fields[key] || null : null;
}

// ---- completion ---------------------------------------------------------------------------

function present(lines, row, path) {
  // keys already written in the same mapping (same parent path, same column)
  const seen = new Set();
  const col = parseLine(lines[row])?.keycol;
  for (let r = 0; r < lines.length; r++) {
    if (r === row) continue;
    const line = parseLine(lines[r]);
    if (!line || line.key === null || line.keycol !== col) continue;
    const own = line.dash ? line.spaces : null;
    if (JSON.stringify(parentPath(lines, r, line.keycol, own)) === JSON.stringify(path)) seen.add(line.key);
  }
  return seen;
}

function schemaCompletion(model) {
  return (context) => {
    const root = model.get("schema");
    if (!root || !root.kind) return null;
    const { state, pos } = context;
    const lineObj = state.doc.lineAt(pos);
    const before = lineObj.text.slice(0, pos - lineObj.from);
    const lines = state.doc.toString().split("\n");
    const row = lineObj.number - 1;
    const valueMatch = /^(\s*)((?:-\s+)*)([^\s:#][^:#]*?)\s*:\s+(\S*)$/.exec(before);
    if (valueMatch) {
      const own = valueMatch[2] ? valueMatch[1].length : null;
      const keycol = valueMatch[1].length + valueMatch[2].length;
      const path = parentPath(lines, row, keycol, own);
      const field = fieldAt(root, path, unquote(valueMatch[3]));
      const node = field ? field.node : child(nodeAt(root, path), unquote(valueMatch[3]));
      if (!node || !node.values || node.values.length === 0) return null;
      return {
        from: pos - valueMatch[4].length,
        options: node.values.map((v) => ({
          label: String(v.value),
          type: "enum",
          detail: node.type,
          info: v.description || undefined,
        })),
        validFor: /^[\w.-]*$/,
      };
    }
    const keyMatch = /^(\s*)((?:-\s+)*)([\w.-]*)$/.exec(before);
    if (!keyMatch) return null;
    const own = keyMatch[2] ? keyMatch[1].length : null;
    const keycol = keyMatch[1].length + keyMatch[2].length;
    const path = parentPath(lines, row, keycol, own);
    const node = nodeAt(root, path);
    if (!node || !node.fields) return null;
    const seen = present(lines, row, path);
    const options = Object.entries(node.fields)
      .filter(([name]) => !seen.has(name))
      .map(([name, f]) => ({
        label: name,
        type: "property",
        detail: `${f.node.type}${f.required ? " (required)" : ""}`,
        info: f.description || undefined,
        apply: f.node.fields || f.node.item || f.node.entry ? `${name}:\n${" ".repeat(keycol + 2)}` : `${name}: `,
        boost: f.required ? 1 : 0,
      }));
    if (options.length === 0) return null;
    return { from: pos - keyMatch[3].length, options, validFor: /^[\w.-]*$/ };
  };
}

// ---- hover --------------------------------------------------------------------------------

function schemaHover(model) {
  return hoverTooltip((view, pos) => {
    const root = model.get("schema");
    if (!root || !root.kind) return null;
    const lineObj = view.state.doc.lineAt(pos);
    const line = parseLine(lineObj.text);
    if (!line || line.key === null) return null;
    const start = lineObj.from + line.keycol;
    const end = start + line.key.length + (/^["']/.test(lineObj.text.slice(line.keycol)) ? 2 : 0);
    if (pos < start || pos > end) return null;
    const lines = view.state.doc.toString().split("\n");
    const path = parentPath(lines, lineObj.number - 1, line.keycol, line.dash ? line.spaces : null);
    const field = fieldAt(root, path, line.key);
    if (!field) return null;
    return {
      pos: start,
      end,
      above: true,
      create() {
        const dom = html(`<div class="opbook-ye-hover">
          <div><b>${esc(line.key)}</b>: <code>${esc(field.node.type)}</code>
          <span class="opbook-muted">${field.required ? "required" : "optional"}${field.default !== null && field.default !== undefined ? `, default <code>${esc(field.default)}</code>` : ""}</span></div>
          ${field.description ? `<div class="opbook-ye-doc">${esc(field.description)}</div>` : ""}
        </div>`);
        return { dom };
      },
    };
  });
}

// ---- diagnostics --------------------------------------------------------------------------

function toDiagnostics(doc, problems) {
  const out = [];
  for (const p of problems || []) {
    const line = doc.line(Math.min(Math.max(p.line || 1, 1), doc.lines));
    const from = Math.min(line.from + Math.max((p.column || 1) - 1, 0), line.to);
    let to = line.to;
    if (p.end_line && p.end_column) {
      const endLine = doc.line(Math.min(Math.max(p.end_line, 1), doc.lines));
      to = Math.min(endLine.from + Math.max(p.end_column - 1, 0), endLine.to);
    }
    if (to <= from) to = Math.min(line.to, from + 1);
    out.push({ from, to: Math.max(to, from), severity: p.severity || "error", message: p.message, source: p.path || undefined });
  }
  return out;
}

// ---- theme: JupyterLab's CSS variables, light fallbacks elsewhere -------------------------

const theme = EditorView.theme({
  "&": {
    color: "var(--jp-content-font-color1, #1f2328)",
    backgroundColor: "var(--jp-cell-editor-background, var(--jp-layout-color0, #fff))",
    fontSize: "var(--jp-code-font-size, 13px)",
    border: "1px solid var(--jp-border-color1, #c0c4c8)",
    borderRadius: "3px",
  },
  "&.cm-focused": { outline: "1px solid var(--jp-brand-color1, #1976d2)" },
  ".cm-content": { fontFamily: "var(--jp-code-font-family, monospace)", caretColor: "var(--jp-editor-cursor-color, #000)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--jp-editor-cursor-color, #000)" },
  ".cm-scroller": { fontFamily: "var(--jp-code-font-family, monospace)" },
  ".cm-gutters": {
    backgroundColor: "var(--jp-cell-editor-background, var(--jp-layout-color1, #f7f7f7))",
    color: "var(--jp-ui-font-color2, #5f6b7a)",
    borderRight: "1px solid var(--jp-border-color2, #e0e0e0)",
  },
  ".cm-activeLine": { backgroundColor: "var(--jp-cell-editor-active-background, rgba(127,127,127,0.08))" },
  ".cm-activeLineGutter": { backgroundColor: "var(--jp-layout-color2, rgba(127,127,127,0.12))" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": {
    backgroundColor: "var(--jp-editor-selected-background, #d9d9d9)",
  },
  ".cm-tooltip": {
    color: "var(--jp-ui-font-color1, #1f2328)",
    backgroundColor: "var(--jp-layout-color1, #fff)",
    border: "1px solid var(--jp-border-color1, #c0c4c8)",
  },
  ".cm-tooltip-autocomplete > ul > li[aria-selected]": {
    color: "var(--jp-ui-inverse-font-color1, #fff)",
    backgroundColor: "var(--jp-brand-color1, #1976d2)",
  },
  ".cm-completionDetail": { color: "var(--jp-ui-font-color2, #5f6b7a)", fontStyle: "normal", marginLeft: "0.6em" },
  ".cm-diagnostic-error": { borderLeftColor: "var(--jp-error-color1, #c62828)" },
});

const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: "var(--jp-mirror-editor-property-color, #05a)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--jp-mirror-editor-string-color, #a11)" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "var(--jp-mirror-editor-number-color, #080)" },
  { tag: [tags.keyword], color: "var(--jp-mirror-editor-keyword-color, #708)" },
  { tag: [tags.comment, tags.lineComment], color: "var(--jp-mirror-editor-comment-color, #408080)", fontStyle: "italic" },
  { tag: [tags.punctuation, tags.separator, tags.operator], color: "var(--jp-mirror-editor-punctuation-color, #05a)" },
  { tag: [tags.meta, tags.labelName, tags.typeName], color: "var(--jp-mirror-editor-meta-color, #555)" },
]);

// ---- the view -----------------------------------------------------------------------------

function render({ model, el }) {
  const root = html(`
    <div class="opbook-widget opbook-ye">
      <div class="opbook-ye-editor"></div>
      <ul class="opbook-ye-problems" aria-label="YAML problems"></ul>
    </div>`);
  el.appendChild(root);
  const holder = root.querySelector(".opbook-ye-editor");
  const list = root.querySelector(".opbook-ye-problems");
  holder.style.height = model.get("height") || "260px";
  let timer = null;
  let applying = false;

  const send = () => {
    timer = null;
    const text = view.state.doc.toString();
    if (text !== model.get("value")) {
      model.set("value", text);
      model.save_changes();
    }
  };

  const view = new EditorView({
    parent: holder,
    state: EditorState.create({
      doc: model.get("value") || "",
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        closeBrackets(),
        highlightActiveLine(),
        EditorState.tabSize.of(2),
        yaml(),
        syntaxHighlighting(highlight),
        autocompletion({ override: [schemaCompletion(model)], activateOnTyping: true, icons: false }),
        schemaHover(model),
        lintGutter(),
        placeholder(model.get("placeholder") || ""),
        keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
        theme,
        EditorView.updateListener.of((update) => {
          if (!update.docChanged || applying) return;
          if (timer !== null) clearTimeout(timer);
          timer = setTimeout(send, SEND_AFTER_MS);
        }),
        EditorView.domEventHandlers({ blur: () => timer !== null && (clearTimeout(timer), send()) }),
      ],
    }),
  });

  const showProblems = () => {
    const problems = model.get("diagnostics") || [];
    view.dispatch(setDiagnostics(view.state, toDiagnostics(view.state.doc, problems)));
    list.innerHTML = problems
      .map(
        (p, i) =>
          `<li class="opbook-ye-problem" data-index="${i}" data-line="${p.line}"><span class="opbook-ye-where">line ${p.line}</span>` +
          `${p.path ? ` <code>${esc(p.path)}</code>` : ""}: ${esc(p.message)}</li>`,
      )
      .join("");
    root.dataset.problems = String(problems.length);
  };

  list.addEventListener("click", (e) => {
    const item = e.target.closest(".opbook-ye-problem");
    if (!item) return;
    const line = view.state.doc.line(Math.min(Number(item.dataset.line) || 1, view.state.doc.lines));
    view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true });
    view.focus();
  });

  const onValue = () => {
    const text = model.get("value") || "";
    if (text === view.state.doc.toString()) return;
    if (timer !== null) return; // the user is typing: their text wins, it is sent shortly
    applying = true;
    try {
      const head = Math.min(view.state.selection.main.head, text.length);
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: head } });
    } finally {
      applying = false;
    }
    showProblems();
  };

  model.on("change:value", onValue);
  model.on("change:diagnostics", showProblems);
  model.on("change:height", () => (holder.style.height = model.get("height") || "260px"));
  showProblems();
  return () => {
    if (timer !== null) clearTimeout(timer);
    view.destroy();
  };
}

export default { render };
