// SVG line plots of a demo's results (loss curves, true vs predicted), no library: one panel per
// plot, stacked vertically in one file, with axes, "nice" ticks and a legend. Pure TypeScript, so
// the Node CLI writes the string to a file and a page could inline it.
import type { DemoResult, Series } from './demo.js';

type Plot = DemoResult['plots'][number];

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf', '#7f7f7f'];
const W = 720;
const H = 340;
const M = { left: 64, right: 16, top: 34, bottom: 40 };
/** Longer series are thinned to about this many points: the file stays small, the shape the same. */
const MAX_POINTS = 2000;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Tick values covering [lo, hi] at a 1-2-5 step, about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

const fmtTick = (v: number) =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? Number(v.toPrecision(3)).toExponential() : String(Number(v.toPrecision(6)));

/** Every `k`-th point plus the last, so at most about MAX_POINTS remain. */
function thin(s: Series): Series {
  const n = Math.min(s.x.length, s.y.length);
  const k = Math.ceil(n / MAX_POINTS);
  if (k <= 1) return s;
  const keep = (i: number) => i % k === 0 || i === n - 1;
  return { label: s.label, x: s.x.slice(0, n).filter((_, i) => keep(i)), y: s.y.slice(0, n).filter((_, i) => keep(i)) };
}

/** The range of the finite values, widened when flat so the axis still has a span. */
function extent(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) [lo, hi] = [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  return [lo, hi];
}

/** Positive values spanning three or more decades (a loss curve) read better on a log axis. */
function useLogScale(ys: number[]): boolean {
  const finite = ys.filter(Number.isFinite);
  return finite.length > 1 && finite.every((v) => v > 0) && Math.max(...finite) / Math.min(...finite) >= 1e3;
}

/** Powers of ten (and 2×, 5× when few decades) between 10^lo and 10^hi. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const mults = hi - lo <= 3 ? [1, 2, 5] : [1];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of mults) if (Math.log10(m * 10 ** e) >= lo && Math.log10(m * 10 ** e) <= hi) ticks.push(m * 10 ** e);
  }
  return ticks;
}

/** One panel's SVG group at vertical offset `top`. Non-finite points break the line. */
function panel(plot: Plot, top: number): string {
  const series = plot.series.map(thin);
  const [x0, x1] = extent(series.flatMap((s) => s.x));
  const ys = series.flatMap((s) => s.y);
  const log = useLogScale(ys);
  const ty = (y: number) => (log ? Math.log10(y) : y);
  const [yLo, yHi] = extent(ys.map(ty));
  const pad = (yHi - yLo) * 0.05;
  const [y0, y1] = [yLo - pad, yHi + pad];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) => M.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => top + M.top + (1 - (ty(y) - y0) / (y1 - y0)) * ph;
  const title = log ? `${plot.title} (log scale)` : plot.title;
  const out: string[] = [`<g>`, `<text x="${W / 2}" y="${top + 20}" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`];
  out.push(`<rect x="${M.left}" y="${top + M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  const yTicks = log ? logTicks(y0, y1) : niceTicks(y0, y1, 5);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${fmtTick(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 8)) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${top + M.top + ph}" y2="${top + M.top + ph + 4}" stroke="#999"/>`);
    out.push(`<text x="${x}" y="${top + M.top + ph + 16}" text-anchor="middle" font-size="11">${fmtTick(t)}</text>`);
  }
  const legendWidth = 40 + 7.5 * Math.max(...series.map((s) => s.label.length));
  const lx = M.left + pw - legendWidth - 8;
  out.push(`<rect x="${lx}" y="${top + M.top + 4}" width="${legendWidth}" height="${series.length * 16 + 4}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const runs: string[][] = [[]];
    for (let j = 0; j < Math.min(s.x.length, s.y.length); j++) {
      const [x, y] = [s.x[j]!, s.y[j]!];
      if (Number.isFinite(x) && Number.isFinite(y)) runs[runs.length - 1]!.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      else if (runs[runs.length - 1]!.length) runs.push([]);
    }
    for (const r of runs.filter((r) => r.length)) {
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${r.join(' ')}"/>`);
      // few points (an evaluation every N steps): mark them, a bare line would hide where they are
      if (s.x.length <= 60) for (const pt of r) out.push(`<circle cx="${pt.split(',')[0]}" cy="${pt.split(',')[1]}" r="2.5" fill="${color}"/>`);
    }
    const ly = top + M.top + 14 + i * 16;
    out.push(`<line x1="${lx + 6}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 34}" y="${ly}" dominant-baseline="middle" font-size="12">${esc(s.label)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

/** All plots as one SVG document, one panel each, top to bottom. */
export function renderSvg(plots: DemoResult['plots']): string {
  const height = Math.max(plots.length, 1) * H;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif">`,
    `<rect width="${W}" height="${height}" fill="white"/>`,
    ...plots.map((p, i) => panel(p, i * H)),
    '</svg>',
    '',
  ].join('\n');
}
