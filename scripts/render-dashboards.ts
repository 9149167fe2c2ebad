/**
 * Render the layout of the stack's dashboards to HTML (and to PNG with headless Chromium when
 * it is installed), so a reviewer can see them without a cluster:
 *
 *   npx tsx scripts/render-dashboards.ts [outDir]     # default docs/dashboards
 *
 * The picture is the real layout (grid positions, sizes, titles, panel types, units, legends,
 * rows and variables, read from the generated dashboard JSON); the shapes inside the panels
 * are placeholders, not data. Chromium: `apt-get install -y chromium` (Debian); without it
 * only the HTML is written. Not part of `npm test`.
 */
import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { dashboardJson, stackDashboards } from '../lib/observability/dashboards';
import type { DashboardSpec } from '../lib/observability/dashboards';

const COL = 52; // px per grid column (24 columns)
const ROW = 30; // px per grid row (Grafana's row height)
const GAP = 6;
const HEADER = 96;

/** Short file names for the pictures (the others are named by their uid). */
const NAMES: Record<string, string> = {
  'stack-microservices': 'microservices',
  'stack-slo-portfolio': 'slo',
  'stack-business': 'business',
  'stack-app-infrastructure': 'infrastructure',
  'stack-health': 'stack-health',
  'stack-logs': 'logs',
  'stack-prometheus': 'prometheus',
  'stack-alertmanager': 'alertmanager',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A small deterministic pseudo-random sequence per panel, for placeholder shapes. */
function wave(seed: number, n: number): number[] {
  let x = seed * 9301 + 49297;
  const out: number[] = [];
  let v = 0.5;
  for (let i = 0; i < n; i++) {
    x = (x * 9301 + 49297) % 233280;
    v = Math.min(0.95, Math.max(0.05, v + (x / 233280 - 0.5) * 0.25));
    out.push(v);
  }
  return out;
}

const PALETTE = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#b877d9', '#f2495c'];

function glyph(p: any, w: number, h: number): string {
  const legends: string[] = (p.targets ?? []).map((t: any) => t.legendFormat ?? '').filter((l: string) => l !== '');
  switch (p.type) {
    case 'timeseries': {
      const series = Math.max(1, Math.min(4, legends.length || 2));
      const lines = Array.from({ length: series }, (_, s) => {
        const pts = wave(p.id * 7 + s, 40).map((v, i) => `${((i / 39) * w).toFixed(1)},${(h - v * h * (0.9 - s * 0.15)).toFixed(1)}`);
        return `<polyline fill="none" stroke="${PALETTE[s % PALETTE.length]}" stroke-width="1.5" points="${pts.join(' ')}"/>`;
      });
      return `<svg width="${w}" height="${h}">${lines.join('')}</svg>`;
    }
    case 'heatmap': {
      const cols = 30;
      const rows = 8;
      const cells: string[] = [];
      const v = wave(p.id, cols * rows);
      for (let c = 0; c < cols; c++) {
        for (let r = 0; r < rows; r++) {
          const a = v[c * rows + r] * (1 - Math.abs(r - 3) / 6);
          cells.push(`<rect x="${((c * w) / cols).toFixed(1)}" y="${((r * h) / rows).toFixed(1)}" width="${(w / cols - 1).toFixed(1)}" height="${(h / rows - 1).toFixed(1)}" fill="rgba(255,152,48,${a.toFixed(2)})"/>`);
        }
      }
      return `<svg width="${w}" height="${h}">${cells.join('')}</svg>`;
    }
    case 'stat':
      return `<div class="stat">–<span>${esc(p.fieldConfig?.defaults?.unit ?? '')}</span></div>`;
    case 'table': {
      const columns = tableColumns(p);
      const head = columns.length ? `<div class="tr th">${columns.map((c) => `<span>${esc(c)}</span>`).join('')}</div>` : '<div class="tr th"></div>';
      return `<div class="table">${head}${Array.from({ length: Math.max(1, Math.floor(h / 22) - 1) }, () => '<div class="tr"></div>').join('')}</div>`;
    }
    case 'logs':
      return `<div class="logs">${Array.from({ length: Math.max(2, Math.floor(h / 16)) }, (_, i) => `<div><i>12:0${i % 10}:0${i % 6}</i> <b class="l${i % 5}"></b></div>`).join('')}</div>`;
    default:
      return '';
  }
}

/** Column names of a table as its `organize` transformation orders and renames them. */
function tableColumns(p: any): string[] {
  const organize = (p.transformations ?? []).find((t: any) => t.id === 'organize')?.options;
  if (!organize) return [];
  const rename: Record<string, string> = organize.renameByName ?? {};
  const order: Record<string, number> = organize.indexByName ?? {};
  const names = Object.keys(order).length ? Object.keys(order).sort((a, b) => order[a] - order[b]) : Object.keys(rename);
  return names.map((n) => rename[n] ?? n);
}

function panelHtml(p: any): string {
  const g = p.gridPos;
  const left = g.x * COL + GAP / 2;
  const top = HEADER + g.y * ROW + GAP / 2;
  const width = g.w * COL - GAP;
  const height = g.h * ROW - GAP;
  if (p.type === 'row') {
    return `<div class="row" style="left:${left}px;top:${top}px;width:${width}px">▾ ${esc(p.title ?? '')}${p.repeat ? ` <em>(repeated for each $${esc(p.repeat)})</em>` : ''}</div>`;
  }
  const unit = p.fieldConfig?.defaults?.unit;
  const legends: string[] = (p.targets ?? []).map((t: any) => t.legendFormat ?? '').filter((l: string) => l !== '');
  const bodyH = height - 44;
  return `<div class="panel" style="left:${left}px;top:${top}px;width:${width}px;height:${height}px">
  <div class="title"><span>${esc(p.title ?? '')}</span><span class="badge">${esc(p.type)}${unit ? ` · ${esc(unit)}` : ''}</span></div>
  <div class="body">${glyph(p, width - 16, Math.max(10, bodyH))}</div>
  <div class="legend">${esc(legends.slice(0, 4).join('  ·  '))}</div>
</div>`;
}

function page(spec: DashboardSpec): { html: string; height: number } {
  const d = JSON.parse(dashboardJson(spec.dashboard));
  const panels: any[] = (d.panels ?? []).flatMap((p: any) => (p.type === 'row' ? [p, ...(p.panels ?? [])] : [p]));
  const bottom = Math.max(...panels.map((p) => p.gridPos.y + p.gridPos.h));
  const height = HEADER + bottom * ROW + 40;
  // A variable without a current value starts on All when it has one, else on its first value.
  const shown = (v: any) => (Array.isArray(v.current?.text) ? v.current.text.join(', ') : (v.current?.text ?? (v.includeAll ? 'All' : 'first value')));
  const vars = (d.templating?.list ?? []).map((v: any) => `<span class="var">${esc(v.label ?? v.name)} <b>${esc(shown(v))}</b></span>`).join('');
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(d.title)}</title>
<style>
body{margin:0;background:#111217;color:#ccccdc;font:12px "DejaVu Sans",Arial,sans-serif}
.top{position:absolute;left:0;top:0;width:${24 * COL}px;height:${HEADER}px;padding:10px 12px;box-sizing:border-box}
.top h1{font-size:18px;margin:0 0 4px;color:#fff;font-weight:500}
.top .meta{color:#8e8e9e;margin-bottom:8px}
.var{display:inline-block;background:#181b1f;border:1px solid #2c3235;border-radius:2px;padding:3px 8px;margin-right:6px}
.var b{color:#fff;font-weight:500;margin-left:4px}
.panel{position:absolute;background:#181b1f;border:1px solid #2c3235;border-radius:3px;box-sizing:border-box;overflow:hidden}
.title{display:flex;justify-content:space-between;padding:6px 8px;font-weight:500;color:#fff;white-space:nowrap}
.title span:first-child{overflow:hidden;text-overflow:ellipsis}
.badge{color:#8e8e9e;font-weight:400;font-size:10px;margin-left:8px}
.body{position:absolute;left:8px;right:8px;top:28px;bottom:16px}
.legend{position:absolute;left:8px;bottom:2px;font-size:10px;color:#8e8e9e;white-space:nowrap;overflow:hidden}
.row{position:absolute;height:${ROW - GAP}px;line-height:${ROW - GAP}px;font-size:14px;color:#fff;border-bottom:1px solid #2c3235}
.row em{color:#8e8e9e;font-size:11px}
.stat{font-size:34px;color:#73bf69;text-align:center;padding-top:4px}
.stat span{font-size:12px;color:#8e8e9e;margin-left:4px}
.table .tr{height:16px;border-bottom:1px solid #2c3235;margin-bottom:4px}
.table .th{background:#22252b;height:18px;display:flex;gap:4px;font-size:10px;color:#ccccdc;line-height:18px}
.table .th span{flex:1;padding-left:4px;overflow:hidden;white-space:nowrap}
.logs div{height:14px;font-size:10px;color:#8e8e9e;white-space:nowrap}
.logs b{display:inline-block;height:6px;border-radius:3px;background:#3d71d9;width:60%}
.logs b.l1{width:45%;background:#6e9fff}.logs b.l2{width:70%;background:#f2495c}.logs b.l3{width:35%}.logs b.l4{width:55%;background:#73bf69}
.note{position:absolute;left:12px;top:${height - 28}px;color:#6e6e7e;font-size:11px}
</style></head><body>
<div class="top"><h1>${esc(d.title)}</h1><div class="meta">folder ${esc(spec.folder.title)} · uid ${esc(d.uid)} · ${d.time.from} to ${d.time.to}</div>${vars}</div>
${panels.map(panelHtml).join('\n')}
<div class="note">Layout preview generated from the dashboard JSON (scripts/render-dashboards.ts): positions, sizes, titles, types, units and legends are real; the shapes inside panels are placeholders, not data.</div>
</body></html>
`;
  return { html, height };
}

function chromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // try the next name
    }
  }
  return undefined;
}

function main(): void {
  const out = resolve(process.argv[2] ?? 'docs/dashboards');
  mkdirSync(out, { recursive: true });
  const specs = stackDashboards({ metricsDatasource: 'thanos-query', namespace: 'monitoring', thanos: true, loki: true, alertmanager: true, logCollector: 'alloy' });
  const browser = chromium();
  if (!browser) console.error('chromium not found: writing HTML only (apt-get install -y chromium for PNGs)');
  const index: string[] = [];
  for (const spec of specs) {
    const name = NAMES[spec.dashboard.uid!] ?? spec.dashboard.uid!;
    const { html, height } = page(spec);
    const htmlPath = join(out, `${name}.html`);
    writeFileSync(htmlPath, html);
    index.push(`<li><a href="${name}.html">${esc(spec.dashboard.title ?? name)}</a></li>`);
    if (browser) {
      const png = join(out, `${name}.png`);
      const res = spawnSync(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=1', `--window-size=${24 * COL},${height}`, `--screenshot=${png}`, `file://${htmlPath}`], { encoding: 'utf8', timeout: 120_000 });
      if (res.status !== 0) throw new Error(`chromium failed for ${name}: ${res.stderr}`);
      console.log(`wrote ${png}`);
    } else {
      console.log(`wrote ${htmlPath}`);
    }
  }
  writeFileSync(join(out, 'index.html'), `<!doctype html><meta charset="utf-8"><title>Dashboards</title><ul>\n${index.join('\n')}\n</ul>\n`);
}

main();
