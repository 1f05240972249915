// Line plots on a 2D canvas for the demo pages: the live loss curve and the result plots (true vs
// predicted, ...). Series are drawn in data coordinates scaled to the canvas; a log y axis is used
// when asked and every value is positive. Sized in CSS pixels, drawn at devicePixelRatio.
import type { Series } from './demo.js';

/** Labels and the y scale of one plot. */
export interface PlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** 'log' plots log10(y) (loss curves spanning decades); falls back to linear if any y ≤ 0. */
  yScale?: 'linear' | 'log';
}

const COLORS = ['#1a73e8', '#e8710a', '#188038', '#d93025', '#9334e6', '#007b83'];
const MARGIN = { left: 56, right: 12, top: 26, bottom: 34 };

/** Redraws `canvas` with `series` (non-finite points are skipped). */
export function drawPlot(canvas: HTMLCanvasElement, series: readonly Series[], options: PlotOptions = {}): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  // Keep the CSS size, draw in device pixels so lines stay sharp on HiDPI screens.
  const dpr = globalThis.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || canvas.width;
  const cssH = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillStyle = '#202124';
  if (options.title) ctx.fillText(options.title, MARGIN.left, 16);

  const allY = series.flatMap((s) => s.y.filter(Number.isFinite));
  const logY = options.yScale === 'log' && allY.length > 0 && allY.every((v) => v > 0);
  const fy = logY ? Math.log10 : (v: number) => v;
  const xs = series.flatMap((s) => s.x.filter(Number.isFinite));
  const ys = allY.map(fy);
  const plotW = cssW - MARGIN.left - MARGIN.right;
  const plotH = cssH - MARGIN.top - MARGIN.bottom;
  ctx.strokeStyle = '#dadce0';
  ctx.strokeRect(MARGIN.left, MARGIN.top, plotW, plotH);
  if (xs.length === 0 || ys.length === 0) {
    ctx.fillStyle = '#80868b';
    ctx.fillText('no data yet', MARGIN.left + 8, MARGIN.top + 18);
    return;
  }
  const [x0, x1] = range(xs);
  const [y0, y1] = range(ys);
  const px = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (y: number) => MARGIN.top + (1 - (fy(y) - y0) / (y1 - y0)) * plotH;

  // Axis ticks: the ends of each range are enough to read a curve's scale.
  ctx.fillStyle = '#5f6368';
  ctx.textAlign = 'right';
  ctx.fillText(formatTick(logY ? 10 ** y1 : y1), MARGIN.left - 4, MARGIN.top + 10);
  ctx.fillText(formatTick(logY ? 10 ** y0 : y0), MARGIN.left - 4, MARGIN.top + plotH);
  ctx.textAlign = 'left';
  ctx.fillText(formatTick(x0), MARGIN.left, MARGIN.top + plotH + 14);
  ctx.textAlign = 'right';
  ctx.fillText(formatTick(x1), MARGIN.left + plotW, MARGIN.top + plotH + 14);
  ctx.textAlign = 'center';
  if (options.xLabel) ctx.fillText(options.xLabel, MARGIN.left + plotW / 2, cssH - 6);
  if (options.yLabel) {
    ctx.save();
    ctx.translate(14, MARGIN.top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(options.yLabel + (logY ? ' (log)' : ''), 0, 0);
    ctx.restore();
  }
  ctx.textAlign = 'left';

  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let pen = false;
    for (let k = 0; k < Math.min(s.x.length, s.y.length); k++) {
      const x = s.x[k]!;
      const y = s.y[k]!;
      if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0)) {
        pen = false; // a gap, not a line through the missing point
        continue;
      }
      if (pen) ctx.lineTo(px(x), py(y));
      else ctx.moveTo(px(x), py(y));
      pen = true;
    }
    ctx.stroke();
    // Dots where there are few points: a lone point has no line to show it.
    if (s.x.length <= 40) {
      ctx.fillStyle = color;
      for (let k = 0; k < Math.min(s.x.length, s.y.length); k++) {
        const [x, y] = [s.x[k]!, s.y[k]!];
        if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0)) continue;
        ctx.beginPath();
        ctx.arc(px(x), py(y), 2, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    // Legend, top right inside the frame, one row per series.
    if (s.label) {
      const ly = MARGIN.top + 14 + 14 * i;
      const lx = MARGIN.left + plotW - 8 - ctx.measureText(s.label).width;
      ctx.fillStyle = color;
      ctx.fillRect(lx - 14, ly - 7, 10, 3);
      ctx.fillStyle = '#202124';
      ctx.fillText(s.label, lx, ly - 3);
    }
  });
}

/** [min, max] widened when flat, so a constant series still gets a drawable range. */
function range(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}
