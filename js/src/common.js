// Helpers shared by the graph and timeline views.

export const SVG_NS = "http://www.w3.org/2000/svg";

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe to put inside HTML or SVG markup. */
export function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A duration in milliseconds as the Python side writes it (notebook/fmt.py's format_duration). */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "";
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(2)} s`;
  const all = Math.round(s);
  return `${Math.floor(all / 60)} min ${all % 60} s`;
}

/** An element from markup (one root element). */
export function html(markup) {
  const template = document.createElement("template");
  template.innerHTML = markup.trim();
  return template.content.firstElementChild;
}

/** The fill and border colours of a shade (status word), from the Python side's vocabulary. */
export function colours(model, shade) {
  const all = model.get("colours") || {};
  return all[shade] || all.definition || { fill: "#e8f0fe", border: "#5f6b7a" };
}

/** A legend of the shades in use, as HTML chips. */
export function legend(model) {
  const labels = model.get("labels") || {};
  return Object.entries(labels)
    .map(([shade, label]) => {
      const c = colours(model, shade);
      return `<span class="opbook-chip" style="background:${esc(c.fill)};border-color:${esc(c.border)}">${esc(label)}</span>`;
    })
    .join("");
}
