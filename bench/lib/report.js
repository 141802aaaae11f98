'use strict';
// Medians, ratios, verdicts and the printed table.

function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function fmtNum(x) {
  if (!Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}
// relative spread of the rounds, (max - min) / median, as "±x%" (half-range)
function fmtSpread(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  const m = median(v);
  if (v.length < 2 || !m) return '';
  return ` ±${((Math.max(...v) - Math.min(...v)) / 2 / m * 100).toFixed(0)}%`;
}
// two decimals, or two significant digits for ratios far below 1 (0.0061, not 0.01)
const fmtRatio = (r) => (Number.isFinite(r) ? (r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)) : '—');
const fmtTarget = (t) => (t ? (t.min !== undefined ? `≥ ${t.min.toFixed(2)}` : `≤ ${t.max.toFixed(2)}`) : '');

// row: { title, label, ref: [..], tor: [..], refCpu: [..], torCpu: [..], target, note }
function verdict(row) {
  const ratio = median(row.tor) / median(row.ref);
  if (!Number.isFinite(ratio)) return { ratio, status: row.tor.length ? 'ERR' : 'n/a' };
  if (!row.target) return { ratio, status: '' };
  const ok = row.target.min !== undefined ? ratio >= row.target.min : ratio <= row.target.max;
  return { ratio, status: ok ? 'PASS' : 'MISS' };
}

// For rates: torsion/ref of the medians of rate / server CPU (work per server
// CPU-second).  Much steadier than the raw ratio when other processes steal CPU, because
// a starved server does less work but also burns less CPU.
function perCpuRatio(r) {
  if (r.better !== 'higher') return NaN;
  const eff = (vals, cpus) => median(vals.map((v, i) => (cpus[i] > 0.05 ? v / cpus[i] : NaN)));
  return eff(r.tor, r.torCpu) / eff(r.ref, r.refCpu);
}

function table(rows) {
  const head = ['workload', 'figure', 'reference', 'torsion', 'torsion/ref', 'target', 'result', 'srv cpu ref / torsion', 'per-cpu ratio'];
  const body = rows.map((r) => {
    const { ratio, status } = verdict(r);
    const cpu = `${fmtNum(median(r.refCpu))} / ${fmtNum(median(r.torCpu))}`;
    const pc = perCpuRatio(r);
    return [r.title, r.label, fmtNum(median(r.ref)) + fmtSpread(r.ref), r.tor.length ? fmtNum(median(r.tor)) + fmtSpread(r.tor) : (r.note || 'skipped'),
      fmtRatio(ratio), fmtTarget(r.target), status, cpu, Number.isFinite(pc) ? fmtRatio(pc) : ''];
  });
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const right = new Set([2, 3, 4, 8]);
  const line = (cells) => `| ${cells.map((c, i) => (right.has(i) ? c.padStart(w[i]) : c.padEnd(w[i]))).join(' | ')} |`;
  const sep = `|${w.map((n, i) => (right.has(i) ? `${'-'.repeat(n + 1)}:` : '-'.repeat(n + 2))).join('|')}|`;
  return [line(head), sep, ...body.map(line)].join('\n');
}

// torsion / reference of each round: both sides of a round run interleaved (or one right after
// the other), so a change of the machine's speed between rounds, which moves the two medians
// apart, moves these less. One line per row that has two or more rounds on both sides.
function roundRatios(rows) {
  const lines = [];
  for (const r of rows) {
    const n = Math.min(r.ref.length, r.tor.length);
    if (n < 2) continue;
    const ratios = [];
    for (let i = 0; i < n; i++) ratios.push(r.tor[i] / r.ref[i]);
    if (!ratios.every(Number.isFinite)) continue;
    const worst = r.better === 'lower' ? Math.max(...ratios) : Math.min(...ratios);
    lines.push(`- ${r.title}, ${r.label}: ${ratios.map(fmtRatio).join(', ')} (median ${fmtRatio(median(ratios))}, worst ${fmtRatio(worst)})`);
  }
  return lines.join('\n');
}

module.exports = { median, verdict, table, roundRatios, fmtNum };
