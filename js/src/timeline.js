// The run timeline view: a Gantt chart of steps, one lane per process (worker), bars coloured
// by status, a tooltip with duration and attempts on hover, zoom on time (wheel) and pan (drag).
import { colours, esc, formatDuration, html, legend } from "./common.js";

const ROW = 22;
const BAR = 16;
const LABEL = 120; // lane label column
const AXIS = 26;
const TICKS = [1, 2, 5];

function tickStep(span, wanted) {
  const raw = span / wanted;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const t of TICKS) if (t * magnitude >= raw) return t * magnitude;
  return 10 * magnitude;
}

/** Rows of one lane: steps that overlap in time go on rows below each other. */
function pack(spans, total) {
  const rows = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    const end = s.end ?? total;
    let row = rows.findIndex((last) => last <= s.start + 1e-9);
    if (row < 0) {
      row = rows.length;
      rows.push(end);
    } else rows[row] = end;
    s._row = row;
  }
  return Math.max(rows.length, 1);
}

function render({ model, el }) {
  const root = html(`
    <div class="opbook-widget opbook-tl">
      <div class="opbook-toolbar">
        <span class="opbook-title"></span><span class="opbook-spacer"></span>
        <button class="opbook-button opbook-fit" type="button" title="Show the whole run">Fit</button>
      </div>
      <div class="opbook-chart"><svg class="opbook-svg"></svg><div class="opbook-tip" hidden></div></div>
      <div class="opbook-legend"></div>
    </div>`);
  el.appendChild(root);
  const chart = root.querySelector(".opbook-chart");
  const svg = root.querySelector(".opbook-svg");
  const tip = root.querySelector(".opbook-tip");
  let spans = new Map((model.get("spans") || []).map((s) => [s.key, s]));
  let range = null; // [from, to] in seconds; null: the whole run

  const draw = () => {
    const total = Math.max(model.get("total") || 0, 1e-6);
    const [from, to] = range || [0, total];
    const width = Math.max(chart.getBoundingClientRect().width || 800, 300);
    const plot = width - LABEL - 16;
    const scale = plot / Math.max(to - from, 1e-9);
    const lanes = model.get("lanes") || [];
    const byLane = new Map(lanes.map((l) => [l, []]));
    for (const s of spans.values()) {
      if (!byLane.has(s.lane)) byLane.set(s.lane, []);
      byLane.get(s.lane).push(s);
    }
    const parts = [];
    let y = AXIS;
    for (const [lane, items] of byLane) {
      const n = pack(items, total);
      const h = n * ROW;
      parts.push(
        `<g class="opbook-lane" data-lane="${esc(lane)}"><rect class="opbook-lane-bg" x="0" y="${y}" width="${width}" height="${h}"/>` +
          `<text class="opbook-lane-label" x="6" y="${y + ROW / 2 + 4}">${esc(lane)}</text>`,
      );
      for (const s of items) {
        const end = s.end ?? total;
        const x = LABEL + (s.start - from) * scale;
        const w = Math.max(2, (end - s.start) * scale);
        const c = colours(model, s.shade);
        const by = y + s._row * ROW + (ROW - BAR) / 2;
        const label = w > s.key.length * 6.5 + 8 ? `<text class="opbook-bar-label" x="${x + 4}" y="${by + BAR - 4}">${esc(s.key)}</text>` : "";
        parts.push(
          `<g class="opbook-bar" data-key="${esc(s.key)}" data-status="${esc(s.shade)}"><rect x="${x}" y="${by}" width="${w}" height="${BAR}" rx="3" fill="${esc(c.fill)}" stroke="${esc(c.border)}"/>${label}</g>`,
        );
      }
      parts.push("</g>");
      y += h;
    }
    const step = tickStep(to - from, Math.max(2, Math.floor(plot / 90)));
    const axis = [];
    for (let t = Math.ceil(from / step) * step; t <= to + 1e-9; t += step) {
      const x = LABEL + (t - from) * scale;
      axis.push(
        `<line class="opbook-grid" x1="${x}" y1="${AXIS - 4}" x2="${x}" y2="${y}"/>` +
          `<text class="opbook-tick" x="${x}" y="${AXIS - 8}" text-anchor="middle">${esc(formatDuration(t * 1000) || "0 ms")}</text>`,
      );
    }
    svg.setAttribute("width", width);
    svg.setAttribute("height", y + 4);
    svg.innerHTML = `<defs><clipPath id="${clipId}"><rect x="${LABEL}" y="0" width="${plot + 16}" height="${y + 4}"/></clipPath></defs>${axis.join("")}<g clip-path="url(#${clipId})">${parts.join("")}</g>`;
    // lane labels above the clip, so that zooming never hides them
    for (const label of svg.querySelectorAll(".opbook-lane-label")) svg.appendChild(label);
    root.querySelector(".opbook-title").textContent = model.get("title") || "";
    root.querySelector(".opbook-legend").innerHTML = legend(model);
    root.dataset.spans = String(spans.size);
    root.dataset.lanes = String(byLane.size);
  };
  const clipId = `opbook-clip-${Math.random().toString(36).slice(2)}`;

  const timeAt = (clientX) => {
    const box = chart.getBoundingClientRect();
    const total = Math.max(model.get("total") || 0, 1e-6);
    const [from, to] = range || [0, total];
    const plot = Math.max(box.width, 300) - LABEL - 16;
    return from + ((clientX - box.left - LABEL) / plot) * (to - from);
  };

  chart.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      const total = Math.max(model.get("total") || 0, 1e-6);
      const [from, to] = range || [0, total];
      const at = Math.min(to, Math.max(from, timeAt(ev.clientX)));
      const f = Math.exp(ev.deltaY * 0.0015);
      const nf = Math.max(0, at - (at - from) * f);
      const nt = Math.min(total, at + (to - at) * f);
      range = nt - nf >= total * 0.999 ? null : [nf, Math.max(nt, nf + total * 1e-4)];
      draw();
    },
    { passive: false },
  );
  chart.addEventListener("mousemove", (ev) => {
    const g = ev.target.closest?.("g.opbook-bar");
    if (!g) {
      tip.hidden = true;
      return;
    }
    const s = spans.get(g.dataset.key);
    if (!s) return;
    const labels = model.get("labels") || {};
    const duration = s.end == null ? `running for ${formatDuration((model.get("total") - s.start) * 1000)}` : formatDuration(s.duration_ms ?? (s.end - s.start) * 1000);
    tip.innerHTML =
      `<b>${esc(s.key)}</b><br>${esc(labels[s.shade] || s.shade)} · ${esc(duration)}` +
      `<br>started at +${esc(formatDuration(s.start * 1000) || "0 ms")} · ${esc(s.lane)}` +
      `${s.attempts > 1 ? `<br>${esc(s.attempts)} attempts (${esc(s.attempts - 1)} retries)` : ""}`;
    // fixed to the window, so that the chart's edges never clip it
    tip.style.left = `${ev.clientX + 12}px`;
    tip.style.top = `${ev.clientY + 12}px`;
    tip.hidden = false;
  });
  chart.addEventListener("mouseleave", () => {
    tip.hidden = true;
  });
  chart.addEventListener("dblclick", () => {
    range = null;
    draw();
  });
  root.querySelector(".opbook-fit").addEventListener("click", () => {
    range = null;
    draw();
  });

  const onPatch = () => {
    const patch = model.get("patch") || {};
    for (const s of patch.spans || []) spans.set(s.key, s);
    draw();
  };
  const onSpans = () => {
    spans = new Map((model.get("spans") || []).map((s) => [s.key, s]));
    draw();
  };
  model.on("change:patch", onPatch);
  model.on("change:spans", onSpans);
  model.on("change:title", draw);
  model.on("change:total", draw);
  requestAnimationFrame(draw);
  return () => {
    model.off("change:patch", onPatch);
    model.off("change:spans", onSpans);
    model.off("change:title", draw);
    model.off("change:total", draw);
  };
}

export default { render };
