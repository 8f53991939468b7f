// Bundles the widgets' front-end into the Python package (src/opbook/notebook/static/), where
// the anywidget views load it from; run by scripts/setup.sh (`npm ci && npm run build`).
// Every import is bundled in: nothing is fetched from a CDN when a notebook shows a widget.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.join(here, "..", "src", "opbook", "notebook", "static");

await build({
  entryPoints: ["graph.js", "timeline.js", "yaml_editor.js", "widgets.css"].map((f) => path.join(here, "src", f)),
  outdir,
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
console.log(`built the widgets into ${path.relative(process.cwd(), outdir) || "."}`);
