import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** What a page boots: a report file, the dashboard (served), or a bench plot. */
export type PageKind = 'report' | 'dashboard' | 'bench';

let assets: { echarts: string; client: string } | null = null;

/** ECharts' full minified bundle (it has the parallel coordinates) and the compiled page script, read once. */
function pageAssets(): { echarts: string; client: string } {
  if (!assets) {
    const echartsPath = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
    const client = readFileSync(new URL('./client/page.bundle.js', import.meta.url), 'utf8').replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
    assets = { echarts: readFileSync(echartsPath, 'utf8'), client };
  }
  return assets;
}

/** HTML-escapes text for element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON safe inside a `<script type="application/json">` element: `<`, `>` and `&` become \u escapes (so no
 * `</script>` or `<!--` can end the element), as do U+2028/2029.
 */
export function scriptJson(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A script's text made safe to inline: a `</script` inside it would end the element. */
function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

const STYLE = `
body{margin:0;font:14px/1.4 system-ui,sans-serif;background:#f4f5f7;color:#1d2330}
main{max-width:1280px;margin:0 auto;padding:12px}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:10px 14px;margin:10px 0}
.card h1{font-size:20px;margin:4px 0;overflow-wrap:anywhere}.card h2{font-size:15px;margin:2px 0 6px}
.row{display:flex;gap:12px;flex-wrap:wrap}.half{flex:1 1 380px;min-width:0}
pre{background:#f7f7f9;padding:8px;max-height:260px;overflow:auto;font-size:12px;margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.note{color:#5f6673;font-size:12px;margin:0 0 6px}.best{font-weight:600}
.slices{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:8px}.slice{height:240px}
.layout{display:flex;min-height:100vh}.side{width:260px;flex:none;background:#1d2330;color:#dfe3ea;padding:12px;box-sizing:border-box}
.side h1{font-size:16px;margin:4px 0 10px}.side ul{list-style:none;padding:0;margin:0}.side li{padding:6px;border-radius:6px;overflow-wrap:anywhere}
.side li.chosen{background:#36415a}.side a{color:#fff;text-decoration:none;font-weight:600;display:block}.side .meta{font-size:11px;color:#aab2c0}
#status{font-size:11px;color:#aab2c0;margin-top:10px}.layout main{flex:1;min-width:0}
`;

/**
 * A whole page: ECharts and the page script inlined, `data` in a JSON script element. The content security policy
 * forbids every fetch but the dashboard's own API, so a report opened from disk makes no network request.
 */
export function pageHtml(kind: PageKind, title: string, data: unknown, pollMs = 2000): string {
  const { echarts, client } = pageAssets();
  const connect = kind === 'dashboard' ? "'self'" : "'none'";
  const csp = `default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; connect-src ${connect}`;
  const body =
    kind === 'dashboard'
      ? `<div class="layout"><nav class="side"><h1>parzen dashboard</h1><ul id="studies"></ul><div id="status"></div></nav><main id="app"></main></div>`
      : `<main id="app"></main>`;
  const boot = kind === 'report' ? 'bootReport();' : kind === 'dashboard' ? `bootDashboard(${Number(pollMs)});` : 'bootBench();';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head><body>
${body}
<script type="application/json" id="parzen-data">${scriptJson(data ?? null)}</script>
<script>${inlineScript(echarts)}</script>
<script type="module">${inlineScript(client)}
${boot}</script>
</body></html>
`;
}
