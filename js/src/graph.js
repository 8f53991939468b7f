// The job graph view: an SVG of the laid-out graph (positions come from the Python side) with
// pan (drag), zoom (wheel), fit, search by op name, a side panel for the clicked op, and status
// colours updated in place from small patches while a run goes on.
import { colours, esc, formatDuration, html, legend, SVG_NS } from "./common.js";

const MIN_ZOOM = 0.05;
const MAX_ZOOM = 4;
// Below this zoom the second line of each box (status, duration) is hidden: too small to read.
const DETAIL_ZOOM = 0.45;
// Never open a big graph smaller than this: fit only when the whole graph is readable.
const READABLE_ZOOM = 0.6;
const MIN_HEIGHT = 220;
// A collapsed graph's box takes the worst status of its steps, in this order.
const SEVERITY = ["failed", "retried", "running", "pending", "skipped", "reused", "succeeded", "definition"];

/** The worst shade among a collapsed graph's steps. */
export function worstShade(members, statuses) {
  let worst = SEVERITY.length - 1;
  for (const key of members) {
    const rank = SEVERITY.indexOf(statuses[key] || "definition");
    if (rank >= 0 && rank < worst) worst = rank;
  }
  return SEVERITY[worst];
}
const MAX_HEIGHT = 520;

function nodeMarkup(model, node, shade, info) {
  const c = colours(model, shade);
  const sub = subtitle(node, shade, info);
  const kind = node.collapsed ? " opbook-collapsed" : "";
  return (
    `<g class="opbook-node${kind}" data-key="${esc(node.key)}" data-status="${esc(shade)}" transform="translate(${node.x},${node.y})">` +
    `<rect width="${node.w}" height="${node.h}" rx="6" fill="${esc(c.fill)}" stroke="${esc(c.border)}"` +
    `${shade === "skipped" ? ' stroke-dasharray="4 3"' : ""}/>` +
    `<text class="opbook-node-name" x="${node.w / 2}" y="${sub ? node.h / 2 - 2 : node.h / 2 + 4}">${esc(node.name)}</text>` +
    `<text class="opbook-node-sub" x="${node.w / 2}" y="${node.h / 2 + 12}">${esc(sub)}</text></g>`
  );
}

function subtitle(node, shade, info) {
  if (node.collapsed) {
    const n = (node.members || []).length;
    const what = `graph of ${n} op${n === 1 ? "" : "s"}`;
    return shade && shade !== "definition" ? `${shade} · ${what}` : what;
  }
  const parts = [];
  if (shade && shade !== "definition") parts.push(shade);
  else if (node.name !== node.definition) parts.push(node.definition);
  const duration = formatDuration(info?.duration_ms);
  if (duration) parts.push(duration);
  return parts.join(" · ");
}

function render({ model, el }) {
  const started = performance.now();
  const root = html(`
    <div class="opbook-widget opbook-gw">
      <div class="opbook-toolbar">
        <span class="opbook-title"></span>
        <span class="opbook-run"></span>
        <span class="opbook-spacer"></span>
        <input class="opbook-search" type="search" placeholder="Find an op…" aria-label="Find an op">
        <span class="opbook-found"></span>
        <button class="opbook-button opbook-fit" type="button" title="Show the whole graph">Fit</button>
        <button class="opbook-button opbook-zoom-in" type="button" title="Zoom in">+</button>
        <button class="opbook-button opbook-zoom-out" type="button" title="Zoom out">−</button>
      </div>
      <div class="opbook-body">
        <div class="opbook-canvas" tabindex="0">
          <svg class="opbook-svg" xmlns="${SVG_NS}">
            <defs><marker id="" class="opbook-arrow" viewBox="0 0 10 10" refX="9" refY="5"
              markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>
            <g class="opbook-viewport"></g>
          </svg>
        </div>
        <div class="opbook-side" hidden></div>
      </div>
      <div class="opbook-legend"></div>
    </div>`);
  el.appendChild(root);
  const $ = (selector) => root.querySelector(selector);
  const canvas = $(".opbook-canvas");
  const svg = $(".opbook-svg");
  const viewport = $(".opbook-viewport");
  const side = $(".opbook-side");
  const body = $(".opbook-body");
  const search = $(".opbook-search");
  const found = $(".opbook-found");
  // One id per view, so that two views of one model in a notebook do not share a marker.
  const arrowId = `opbook-arrow-${Math.random().toString(36).slice(2)}`;
  $(".opbook-arrow").id = arrowId;

  let view = { k: 1, x: 0, y: 0 };
  let byKey = new Map(); // key -> {node, g, rect, name, sub}
  let holder = new Map(); // step key -> key of the collapsed graph box that holds it
  let statuses = { ...(model.get("statuses") || {}) };
  let info = { ...(model.get("info") || {}) };
  let matches = [];
  let matchIndex = -1;

  const applyView = () => {
    viewport.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
    root.classList.toggle("opbook-far", view.k < DETAIL_ZOOM);
    root.dataset.zoom = view.k.toFixed(3);
  };

  const size = () => {
    const box = canvas.getBoundingClientRect();
    return { w: box.width || 800, h: box.height || 480 };
  };

  const fit = (readable = false) => {
    const layout = model.get("layout") || {};
    const { w, h } = size();
    const gw = Math.max(layout.width || 1, 1);
    const gh = Math.max(layout.height || 1, 1);
    let k = Math.min(MAX_ZOOM, Math.min((w - 24) / gw, (h - 24) / gh), 1);
    if (readable && k < READABLE_ZOOM) {
      // Too many ops to read at once: start readable, at the top (the first ops to run).
      k = READABLE_ZOOM;
      view = { k, x: Math.max(12, (w - gw * k) / 2), y: 12 };
    } else {
      view = { k, x: (w - gw * k) / 2, y: (h - gh * k) / 2 };
    }
    applyView();
  };

  const zoomAt = (factor, cx, cy) => {
    const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.k * factor));
    const f = k / view.k;
    view = { k, x: cx - (cx - view.x) * f, y: cy - (cy - view.y) * f };
    applyView();
  };

  const centreOn = (key) => {
    const entry = byKey.get(key);
    if (!entry) return;
    const { w, h } = size();
    const k = Math.max(view.k, 1);
    const { node } = entry;
    view = { k, x: w / 2 - k * (node.x + node.w / 2), y: h / 2 - k * (node.y + node.h / 2) };
    applyView();
  };

  const paintNode = (key) => {
    const entry = byKey.get(key);
    if (!entry) return;
    const shade = entry.node.collapsed ? worstShade(entry.node.members || [], statuses) : statuses[key] || "definition";
    const c = colours(model, shade);
    entry.rect.setAttribute("fill", c.fill);
    entry.rect.setAttribute("stroke", c.border);
    if (shade === "skipped") entry.rect.setAttribute("stroke-dasharray", "4 3");
    else entry.rect.removeAttribute("stroke-dasharray");
    const sub = subtitle(entry.node, shade, info[key]);
    entry.sub.textContent = sub;
    entry.name.setAttribute("y", sub ? entry.node.h / 2 - 2 : entry.node.h / 2 + 4);
    entry.g.dataset.status = shade;
  };

  const draw = () => {
    const t0 = performance.now();
    const layout = model.get("layout") || { nodes: [], edges: [], clusters: [] };
    const parts = [];
    for (const cl of layout.clusters || []) {
      parts.push(
        `<g class="opbook-cluster" data-key="${esc(cl.key)}"><rect x="${cl.x}" y="${cl.y}" width="${cl.w}" height="${cl.h}" rx="8"/>` +
          `<text class="opbook-cluster-title" x="${cl.x + 8}" y="${cl.y + 14}"><title>Click to collapse</title>▾ ${esc(cl.label)}</text></g>`,
      );
    }
    for (const e of layout.edges || []) {
      parts.push(
        `<path class="opbook-edge" data-source="${esc(e.source)}" data-target="${esc(e.target)}" d="${esc(e.path)}" marker-end="url(#${arrowId})"/>`,
      );
    }
    for (const node of layout.nodes || []) {
      const shade = node.collapsed ? worstShade(node.members || [], statuses) : statuses[node.key] || "definition";
      parts.push(nodeMarkup(model, node, shade, info[node.key]));
    }
    // A small graph gets a short canvas; a big one the full height, to pan and zoom in. Sized
    // and fitted before the boxes go in, so that measuring the canvas lays out an empty SVG.
    body.style.height = `${Math.round(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, (layout.height || 0) + 32)))}px`;
    fit(true);
    viewport.innerHTML = parts.join("");
    byKey = new Map();
    holder = new Map();
    const nodes = layout.nodes || [];
    const groups = viewport.children;
    const first = groups.length - nodes.length; // clusters and edges come before the boxes
    nodes.forEach((node, i) => {
      const g = groups[first + i];
      const [rect, name, sub] = g.children;
      byKey.set(node.key, { node, g, rect, name, sub });
      for (const member of node.members || []) holder.set(member, node.key);
    });
    $(".opbook-legend").innerHTML = legend(model);
    showSelected();
    root.dataset.renderMs = (performance.now() - t0).toFixed(1);
    root.dataset.nodes = String(nodes.length);
  };

  const showTitle = () => {
    $(".opbook-title").textContent = model.get("title") || "";
    $(".opbook-run").textContent = model.get("summary") || "";
  };

  const showSelected = () => {
    const key = model.get("selected") || "";
    for (const el of viewport.querySelectorAll(".opbook-selected")) el.classList.remove("opbook-selected");
    const entry = byKey.get(key);
    if (!entry || entry.node.collapsed) {
      side.hidden = true;
      side.innerHTML = "";
      return;
    }
    entry.g.classList.add("opbook-selected");
    for (const p of viewport.querySelectorAll("path.opbook-edge")) {
      if (p.dataset.source === key || p.dataset.target === key) p.classList.add("opbook-selected");
    }
    side.hidden = false;
    const detail = model.get("detail") || {};
    side.innerHTML = panelMarkup(model, entry.node, statuses[key] || "definition", info[key] || {}, detail.key === key ? detail : null);
    side.querySelector(".opbook-close").addEventListener("click", () => select(""));
  };

  const toggle = (key) => {
    const collapsed = new Set(model.get("collapsed") || []);
    if (collapsed.has(key)) collapsed.delete(key);
    else collapsed.add(key);
    model.set("collapsed", [...collapsed]);
    model.save_changes();
  };

  const select = (key) => {
    model.set("selected", key);
    model.save_changes();
  };

  const runSearch = (step) => {
    const query = search.value.trim().toLowerCase();
    for (const entry of byKey.values()) entry.g.classList.remove("opbook-match", "opbook-current");
    matches = query
      ? [...byKey.values()].filter((e) => e.node.name.toLowerCase().includes(query) || e.node.key.toLowerCase().includes(query))
      : [];
    if (!matches.length) {
      matchIndex = -1;
      found.textContent = query ? "no op" : "";
      return;
    }
    // Exact names first, so "load" finds the op named load before load_more.
    matches.sort((a, b) => (b.node.name.toLowerCase() === query) - (a.node.name.toLowerCase() === query));
    matchIndex = step ? (matchIndex + step + matches.length) % matches.length : 0;
    for (const e of matches) e.g.classList.add("opbook-match");
    const current = matches[matchIndex];
    current.g.classList.add("opbook-current");
    found.textContent = `${matchIndex + 1} of ${matches.length}`;
    centreOn(current.node.key);
  };

  // -- interaction ----------------------------------------------------------------------------
  let drag = null;
  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false, target: ev.target };
    canvas.setPointerCapture?.(ev.pointerId);
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x;
    const dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (drag.moved) {
      view = { ...view, x: drag.vx + dx, y: drag.vy + dy };
      applyView();
    }
  });
  canvas.addEventListener("pointerup", (ev) => {
    if (!drag) return;
    // With the pointer captured, the event's target is the canvas: use where the press began.
    const { moved, target } = drag;
    drag = null;
    if (moved) return;
    const title = target.closest?.(".opbook-cluster-title");
    if (title) return toggle(title.parentNode.dataset.key);
    const g = target.closest?.("g.opbook-node");
    if (g?.classList.contains("opbook-collapsed")) toggle(g.dataset.key);
    else if (g) select(g.dataset.key);
  });
  canvas.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      const box = canvas.getBoundingClientRect();
      zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - box.left, ev.clientY - box.top);
    },
    { passive: false },
  );
  $(".opbook-fit").addEventListener("click", () => fit(false));
  $(".opbook-zoom-in").addEventListener("click", () => zoomAt(1.25, size().w / 2, size().h / 2));
  $(".opbook-zoom-out").addEventListener("click", () => zoomAt(0.8, size().w / 2, size().h / 2));
  search.addEventListener("input", () => runSearch(0));
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      if (matches.length) {
        runSearch(ev.shiftKey ? -1 : matchIndex < 0 ? 0 : 1);
        if (matches.length === 1 || ev.ctrlKey) select(matches[matchIndex].node.key);
      }
    }
    ev.stopPropagation(); // keep JupyterLab's notebook shortcuts out of the search box
  });

  // -- model changes --------------------------------------------------------------------------
  const onPatch = () => {
    const t0 = performance.now();
    const patch = model.get("patch") || {};
    for (const [key, shade] of Object.entries(patch.statuses || {})) statuses[key] = shade;
    for (const [key, value] of Object.entries(patch.info || {})) info[key] = value;
    const keys = new Set([...Object.keys(patch.statuses || {}), ...Object.keys(patch.info || {})]);
    for (const key of keys) paintNode(holder.get(key) || key);
    if (keys.has(model.get("selected"))) showSelected();
    const ms = performance.now() - t0;
    root.dataset.patchMs = ms.toFixed(2);
    root.dataset.patchMaxMs = Math.max(ms, Number(root.dataset.patchMaxMs || 0)).toFixed(2);
  };
  const onStatuses = () => {
    statuses = { ...(model.get("statuses") || {}) };
    info = { ...(model.get("info") || {}) };
    for (const key of byKey.keys()) paintNode(key);
    showSelected();
  };
  model.on("change:patch", onPatch);
  model.on("change:statuses", onStatuses);
  model.on("change:info", onStatuses);
  model.on("change:layout", draw);
  model.on("change:selected", showSelected);
  model.on("change:detail", showSelected);
  model.on("change:title", showTitle);
  model.on("change:summary", showTitle);

  showTitle();
  // Lay out once the element is in the page (its size is known then); the time from here to
  // the frame after the first drawing is kept as data-first-render-ms (the browser benchmark).
  requestAnimationFrame(() => {
    draw();
    requestAnimationFrame(() => {
      root.dataset.firstRenderMs = (performance.now() - started).toFixed(1);
    });
  });
  return () => {
    model.off("change:patch", onPatch);
    model.off("change:statuses", onStatuses);
    model.off("change:info", onStatuses);
    model.off("change:layout", draw);
    model.off("change:detail", showSelected);
    model.off("change:selected", showSelected);
    model.off("change:title", showTitle);
    model.off("change:summary", showTitle);
  };
}

function rows(items) {
  if (!items || !items.length) return `<p class="opbook-muted">none</p>`;
  return `<table class="opbook-ports">${items
    .map(([name, type]) => `<tr><td>${esc(name)}</td><td class="opbook-type">${esc(type)}</td></tr>`)
    .join("")}</table>`;
}

const LEVELS = new Set(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]);

function eventsMarkup(detail) {
  if (!detail) return `<h4>Events</h4><p class="opbook-muted">…</p>`;
  const rows = (detail.events || []).map((e) => {
    const level = LEVELS.has(e.level) ? e.level.toLowerCase() : "debug";
    const at = e.ms == null ? "" : `+${formatDuration(e.ms) || "0 ms"}`;
    const kind = e.kind === "log" ? e.level : e.kind;
    return `<li class="opbook-ev opbook-ev-${level}"><span class="opbook-ev-at">${esc(at)}</span> <span class="opbook-ev-kind">${esc(kind)}</span> ${esc(e.message)}</li>`;
  });
  const dropped = detail.dropped ? `<p class="opbook-muted">${esc(detail.dropped)} earlier lines not shown</p>` : "";
  const list = rows.length ? `<ul class="opbook-evlist">${rows.join("")}</ul>` : `<p class="opbook-muted">none yet</p>`;
  return `<h4>Events and logs</h4>${dropped}${list}`;
}

function previewMarkup(detail) {
  const outputs = Object.entries(detail?.outputs || {});
  if (!outputs.length) return "";
  const parts = outputs.map(([name, p]) => {
    if (p.kind === "table") {
      const head = p.columns.map((c) => `<th>${esc(c)}</th>`).join("");
      const body = p.rows.map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join("")}</tr>`).join("");
      const shape = p.shape ? `<p class="opbook-muted">${esc(p.shape.join(" × "))}</p>` : "";
      return `<p class="opbook-muted">${esc(name)}</p><div class="opbook-preview"><table class="opbook-ptable"><tr>${head}</tr>${body}</table></div>${shape}`;
    }
    return `<p class="opbook-muted">${esc(name)}: ${esc(p.type)}</p><pre class="opbook-preview">${esc(p.text)}</pre>`;
  });
  return `<h4>Output</h4>${parts.join("")}`;
}

function panelMarkup(model, node, shade, info, detail) {
  const c = colours(model, shade);
  const labels = model.get("labels") || {};
  const status =
    shade === "definition"
      ? ""
      : `<p><span class="opbook-chip" style="background:${esc(c.fill)};border-color:${esc(c.border)}">${esc(labels[shade] || shade)}</span>` +
        `${info.duration_ms != null ? ` ${esc(formatDuration(info.duration_ms))}` : ""}` +
        `${info.attempts > 1 ? ` · ${esc(info.attempts)} attempts` : ""}</p>`;
  const alias = node.name !== node.definition ? `<p class="opbook-muted">op ${esc(node.definition)}</p>` : "";
  const description = node.description ? `<p>${esc(node.description)}</p>` : "";
  const config = node.config ? `<h4>Config</h4><pre>${esc(node.config)}</pre>` : "";
  const error = info.error ? `<h4>Error</h4><pre class="opbook-error">${esc(info.error)}</pre>` : "";
  return (
    `<div class="opbook-side-head"><b>${esc(node.name)}</b><button class="opbook-button opbook-close" type="button" title="Close" aria-label="Close">×</button></div>` +
    `${node.key !== node.name ? `<p class="opbook-muted">${esc(node.key)}</p>` : ""}${alias}${status}${description}` +
    `<h4>Inputs</h4>${rows(node.inputs)}<h4>Outputs</h4>${rows(node.outputs)}${config}${error}` +
    `${previewMarkup(detail)}${eventsMarkup(detail)}`
  );
}

export default { render };
