/**
 * report.html: one self-contained file (inline CSS and SVG, no scripts, no external assets), so it
 * can be attached to a ticket or opened offline.
 */
import { SCENARIO_TITLES, type Scenario } from './scenarios.js';
import type { BacktestSummary, GroupStats } from './summary.js';

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '–');
const num = (x: number) => x.toLocaleString('en-US');

const COLORS = { allow: '#4c9a5f', step_up: '#e0a030', deny: '#c8423b', legit: '#3b6fb6', takeover: '#c8423b', grid: '#ddd', text: '#333' };
const PRESET_COLORS: Record<string, string> = { 'cloud-drive': '#3b6fb6', social: '#8a56b0', fintech: '#c8423b' };

function title(key: string): string {
  return key in SCENARIO_TITLES ? `${key} ${SCENARIO_TITLES[key as Scenario]}` : key;
}

function actionBars(groups: [string, GroupStats][]): string {
  const rowHeight = 22;
  const labelWidth = 380;
  const barWidth = 420;
  const height = groups.length * rowHeight + 30;
  const rows = groups
    .map(([key, group], index) => {
      const y = 10 + index * rowHeight;
      let x = labelWidth;
      const parts = (['allow', 'step_up', 'deny'] as const)
        .map((action) => {
          const width = group.n > 0 ? (group[action] / group.n) * barWidth : 0;
          const rect =
            width > 0
              ? `<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${rowHeight - 6}" fill="${COLORS[action]}"><title>${esc(action)}: ${pct(group[action] / group.n, 2)}</title></rect>`
              : '';
          x += width;
          return rect;
        })
        .join('');
      return `<text x="${labelWidth - 8}" y="${y + 12}" text-anchor="end" font-size="12">${esc(title(key))} (${num(group.n)})</text>${parts}<text x="${labelWidth + barWidth + 6}" y="${y + 12}" font-size="11">${pct((group.step_up + group.deny) / group.n)} flagged</text>`;
    })
    .join('');
  const legend = (['allow', 'step_up', 'deny'] as const)
    .map(
      (action, i) =>
        `<rect x="${labelWidth + i * 90}" y="${height - 14}" width="10" height="10" fill="${COLORS[action]}"/><text x="${labelWidth + i * 90 + 14}" y="${height - 5}" font-size="11">${action}</text>`,
    )
    .join('');
  return `<svg width="${labelWidth + barWidth + 110}" height="${height}" role="img" aria-label="action rates per scenario">${rows}${legend}</svg>`;
}

function riskDistribution(summary: BacktestSummary, groups: [string, GroupStats][]): string {
  const edges = summary.riskBinEdges;
  const cellWidth = 16;
  const labelWidth = 380;
  const rowHeight = 26;
  const height = groups.length * rowHeight + 40;
  const width = labelWidth + edges.length * cellWidth + 20;
  const rows = groups
    .map(([key, group], index) => {
      const y = 10 + index * rowHeight;
      const max = Math.max(1, ...group.riskBins);
      const bars = group.riskBins
        .map((count, bin) => {
          const h = (count / max) * (rowHeight - 6);
          const color = key.startsWith('A') || key === 'takeover' ? COLORS.takeover : COLORS.legit;
          return h > 0
            ? `<rect x="${labelWidth + bin * cellWidth}" y="${(y + rowHeight - 6 - h).toFixed(1)}" width="${cellWidth - 2}" height="${h.toFixed(1)}" fill="${color}"><title>${count} with risk ${bin === 0 ? '< 1e-6' : `${edges[bin - 1]!.toExponential(1)}–${edges[bin]!.toExponential(1)}`}</title></rect>`
            : '';
        })
        .join('');
      return `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end" font-size="12">${esc(title(key))}</text>${bars}`;
    })
    .join('');
  const ticks = [-6, -5, -4, -3, -2, -1, 0]
    .map((power) => {
      const bin = (power + 6) * 4;
      const x = labelWidth + bin * cellWidth;
      return `<line x1="${x}" y1="5" x2="${x}" y2="${height - 25}" stroke="${COLORS.grid}"/><text x="${x}" y="${height - 10}" font-size="11" text-anchor="middle">1e${power}</text>`;
    })
    .join('');
  return `<svg width="${width}" height="${height}" role="img" aria-label="risk distribution by label">${ticks}${rows}</svg>`;
}

function rocChart(summary: BacktestSummary, maxX: number): string {
  const roc = summary.roc!;
  const size = 320;
  const pad = 40;
  const x = (fpr: number) => pad + (Math.min(fpr, maxX) / maxX) * size;
  const y = (tpr: number) => pad + size - tpr * size;
  const points = roc.points.filter((point) => point.fpr <= maxX * 1.0001);
  const last = roc.points.find((point) => point.fpr > maxX);
  const path = [...points, ...(last ? [{ fpr: maxX, tpr: points.length ? points[points.length - 1]!.tpr : 0 }] : [])]
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.fpr).toFixed(1)},${y(p.tpr).toFixed(1)}`)
    .join(' ');
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<line x1="${x(f * maxX)}" y1="${pad}" x2="${x(f * maxX)}" y2="${pad + size}" stroke="${COLORS.grid}"/><text x="${x(f * maxX)}" y="${pad + size + 14}" font-size="10" text-anchor="middle">${pct(f * maxX, maxX < 0.1 ? 1 : 0)}</text>` +
        `<line x1="${pad}" y1="${y(f)}" x2="${pad + size}" y2="${y(f)}" stroke="${COLORS.grid}"/><text x="${pad - 4}" y="${y(f) + 3}" font-size="10" text-anchor="end">${pct(f, 0)}</text>`,
    )
    .join('');
  const presets = (summary.presets ?? [])
    .filter((point) => point.legitFriction <= maxX)
    .map(
      (point) =>
        `<circle cx="${x(point.legitFriction).toFixed(1)}" cy="${y(point.catchFirst).toFixed(1)}" r="5" fill="${PRESET_COLORS[point.preset] ?? '#000'}"${point.exact ? '' : ' fill-opacity="0.55"'}><title>${esc(point.preset)}${point.exact ? '' : ' (estimated)'}: catch ${pct(point.catchFirst, 2)} at ${pct(point.legitFriction, 2)} legit</title></circle><text x="${(x(point.legitFriction) + 7).toFixed(1)}" y="${(y(point.catchFirst) + 12).toFixed(1)}" font-size="10">${esc(point.preset)}${point.exact ? '' : '*'}</text>`,
    )
    .join('');
  return `<svg width="${size + pad * 2}" height="${size + pad * 2}" role="img" aria-label="ROC curve"><rect x="${pad}" y="${pad}" width="${size}" height="${size}" fill="none" stroke="#999"/>${grid}<path d="${path}" fill="none" stroke="${COLORS.legit}" stroke-width="2"/>${presets}<text x="${pad + size / 2}" y="${size + pad * 2 - 4}" font-size="11" text-anchor="middle">legitimate logins stepped up or denied</text><text x="12" y="${pad + size / 2}" font-size="11" transform="rotate(-90 12 ${pad + size / 2})" text-anchor="middle">first takeover logins caught</text></svg>`;
}

function reasonBars(reasons: { code: string; count: number }[]): string {
  if (reasons.length === 0) return '<p>No decisions had a risk-raising reason.</p>';
  const max = reasons[0]!.count;
  const rowHeight = 20;
  const labelWidth = 230;
  const barWidth = 380;
  const rows = reasons
    .map((reason, i) => {
      const y = 6 + i * rowHeight;
      const width = (reason.count / max) * barWidth;
      return `<text x="${labelWidth - 8}" y="${y + 12}" text-anchor="end" font-size="12">${esc(reason.code)}</text><rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${rowHeight - 5}" fill="${COLORS.step_up}"/><text x="${labelWidth + width + 6}" y="${y + 12}" font-size="11">${num(reason.count)}</text>`;
    })
    .join('');
  return `<svg width="${labelWidth + barWidth + 90}" height="${reasons.length * rowHeight + 10}" role="img" aria-label="most frequent reasons">${rows}</svg>`;
}

function groupTable(groups: [string, GroupStats][]): string {
  const rows = groups
    .map(
      ([key, group]) =>
        `<tr><td>${esc(title(key))}</td><td>${num(group.n)}</td><td>${pct(group.allow / group.n, 2)}</td><td>${pct(group.step_up / group.n, 2)}</td><td>${pct(group.deny / group.n, 2)}</td><td>${(group.riskSum / group.n).toExponential(2)}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th>label</th><th>logins</th><th>allow</th><th>step-up</th><th>deny</th><th>mean risk</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderReport(summary: BacktestSummary): string {
  const groups = Object.entries(summary.groups);
  const aggregate: [string, GroupStats][] = [];
  if (summary.legit) aggregate.push(['all legitimate', summary.legit]);
  if (summary.takeoverFirst) aggregate.push(['takeovers: first login per account', summary.takeoverFirst]);
  if (summary.takeover) aggregate.push(['takeovers: every attempt', summary.takeover]);
  if (summary.control) aggregate.push(['A4 SIM-swap control', summary.control]);
  const settings = Object.entries(summary.settings)
    .filter(([key]) => key !== 'malformedLines')
    .map(([key, value]) => `<tr><td>${esc(key)}</td><td>${esc(typeof value === 'string' ? value : JSON.stringify(value))}</td></tr>`)
    .join('');
  const labelled = summary.roc !== undefined;
  const rocSection = labelled
    ? `<h2>Catch rate against legitimate step-up rate</h2>
<p>ROC of the risk score: first takeover login per account (positives, SIM-swap control excluded) against legitimate logins. Dots: each preset's operating point${(summary.presets ?? []).some((p) => !p.exact) ? " (* = estimated from this run's risks with that preset's prior, thresholds and hard rules; run the backtest with that preset for exact figures)" : ''}. AUC first login ${summary.roc!.aucFirst.toFixed(4)}, every attempt ${summary.roc!.aucAll.toFixed(4)}.</p>
<div class="row">${rocChart(summary, 1)}${rocChart(summary, 0.05)}</div>
<table><thead><tr><th>legitimate step-up budget</th><th>first-login catch rate</th><th>risk threshold</th></tr></thead><tbody>${summary.roc!.catchAt.map((hit) => `<tr><td>${pct(hit.budget, 0)}</td><td>${pct(hit.catchRate, 2)}</td><td>${hit.threshold.toExponential(2)}</td></tr>`).join('')}</tbody></table>
<table><thead><tr><th>preset</th><th>legitimate flagged</th><th>first login caught</th><th>every attempt caught</th><th></th></tr></thead><tbody>${(summary.presets ?? []).map((p) => `<tr><td>${esc(p.preset)}</td><td>${pct(p.legitFriction, 2)}</td><td>${pct(p.catchFirst, 2)}</td><td>${pct(p.catchAll, 2)}</td><td>${p.exact ? 'this run' : 'estimated'}</td></tr>`).join('')}</tbody></table>`
    : '<p>The input has no labels: rates and distributions only.</p>';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>recycled-number-guard backtest: ${esc(summary.input)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;color:#222;margin:24px auto;max-width:1100px;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:10px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.row{display:flex;gap:24px;flex-wrap:wrap}.kpi{display:inline-block;margin-right:24px}.kpi b{font-size:18px;display:block}
svg text{fill:#333}
</style></head><body>
<h1>Backtest report</h1>
<p>${esc(summary.input)} · preset <b>${esc(summary.preset)}</b> · ${esc(summary.generatedBy)}</p>
<div>
<span class="kpi"><b>${num(summary.lines)}</b>lines</span>
<span class="kpi"><b>${num(summary.assessed)}</b>assessed</span>
<span class="kpi"><b>${num(summary.scored)}</b>scored (${num(summary.warmup)} warm-up)</span>
<span class="kpi"><b>${num(summary.malformed)}</b>malformed, skipped</span>
<span class="kpi"><b>${num(summary.eventsPerSecond)}/s</b>throughput</span>
</div>
<p>Actions on scored logins: allow ${pct(summary.actions.allow / Math.max(1, summary.scored), 2)}, step-up ${pct(summary.actions.step_up / Math.max(1, summary.scored), 2)}, deny ${pct(summary.actions.deny / Math.max(1, summary.scored), 2)}.</p>
<table><tbody>${settings}</tbody></table>
${aggregate.length > 0 ? `<h2>Totals</h2>${groupTable(aggregate)}` : ''}
<h2>Action rates per scenario</h2>
${actionBars(groups)}
${groupTable(groups)}
<h2>Risk distribution by label</h2>
<p>Share of each label's logins per risk bin (log scale, each row scaled to its own peak).</p>
${riskDistribution(summary, [...aggregate, ...groups])}
${rocSection}
<h2>Most frequent reasons</h2>
<p>Risk-raising reasons on logins that were stepped up or denied.</p>
${reasonBars(summary.reasons.stepUpOrDeny)}
<p>On all scored logins:</p>
${reasonBars(summary.reasons.all)}
</body></html>
`;
}
