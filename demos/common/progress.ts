// Progress output of the Node CLI: a redrawn bar on a terminal, plain lines on a pipe or file. Both
// end with one summary line (steps done, loss, rate, time), so a run that stops early (early
// stopping, Ctrl-C) leaves no frozen "7% | 75/1000" bar behind.
import { MultiBar, Presets } from 'cli-progress';
import type { Progress } from './demo.js';

/** Where progress and log lines go while a demo runs. */
export interface Reporter {
  update(p: Progress): void;
  log(line: string): void;
  /** Ends the progress display with its summary line; later calls do nothing. */
  stop(): void;
}

export const fmtNum = (v: number): string =>
  Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toPrecision(4) : v.toExponential(3);
export const fmtTime = (s: number): string =>
  !Number.isFinite(s) ? '?' : s < 90 ? `${Math.round(s)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
export const fmtRate = (r: number): string => (Number.isFinite(r) ? r.toFixed(1) : '?');

/** Steps per second and the time left, measured from the first report on: the first step (which
 *  compiles the pipelines) and whatever ran before it are no measure of the steps to come, so
 *  both are NaN ('?') until a second report. */
export function rateTracker(now: () => number = () => performance.now()): (p: Progress) => { rate: number; eta: number } {
  let first: { step: number; t: number } | null = null;
  return (p) => {
    const t = now();
    first ??= { step: p.step, t };
    const dt = t - first.t;
    const rate = p.step > first.step && dt > 0 ? ((p.step - first.step) * 1000) / dt : NaN;
    return { rate, eta: (p.totalSteps - p.step) / rate };
  };
}

function metricsText(p: Progress): string {
  return Object.entries(p.metrics ?? {}).map(([k, v]) => ` | ${k} ${fmtNum(v)}`).join('');
}

/** The last line: where the run ended (and that it ended early), its loss, rate and wall time. */
function summaryLine(name: string, p: Progress, rate: number, seconds: number): string {
  const early = p.step < p.totalSteps ? ` (ended early, of ${p.totalSteps})` : '';
  return `${name}: ${p.step} steps${early} | loss ${fmtNum(p.loss)}${metricsText(p)} | ${fmtRate(rate)} steps/s | ${fmtTime(seconds)}\n`;
}

/** Shared by both reporters: the last report and its rate, and the summary line at the end. */
function tracked(name: string, write: (s: string) => void) {
  const track = rateTracker();
  const t0 = performance.now();
  let last: { p: Progress; rate: number } | null = null;
  let stopped = false;
  return {
    update(p: Progress) {
      const r = track(p);
      last = { p, rate: r.rate };
      return r;
    },
    /** Writes the summary once (nothing if no step was reported, or `unless` the last one). */
    finish(unless?: number) {
      if (stopped) return;
      stopped = true;
      if (last && last.p.step !== unless) write(summaryLine(name, last.p, last.rate, (performance.now() - t0) / 1000));
    },
    get stopped() {
      return stopped;
    },
  };
}

/** A terminal: cli-progress redraws one bar on `stream` and prints log lines above it; on stop the
 *  bar is cleared and the summary line written in its place. */
export function ttyReporter(name: string, stream: NodeJS.WriteStream = process.stderr): Reporter {
  const multi = new MultiBar({
    format: `${name} [{bar}] {percentage}% | {value}/{total} | loss {loss}{metrics} | {rate} steps/s | ETA {etaText}`,
    stream,
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
    fps: 8,
  }, Presets.shades_classic);
  let bar: ReturnType<MultiBar['create']> | null = null;
  const state = tracked(name, (s) => stream.write(s));
  return {
    update(p) {
      if (state.stopped) return;
      const { rate, eta } = state.update(p);
      const payload = { loss: fmtNum(p.loss), metrics: metricsText(p), rate: fmtRate(rate), etaText: fmtTime(eta) };
      if (!bar) bar = multi.create(p.totalSteps, p.step, payload);
      bar.setTotal(p.totalSteps);
      bar.update(p.step, payload);
    },
    log(line) {
      if (bar) multi.log(`${line}\n`);
      else console.log(line);
    },
    stop() {
      if (state.stopped) return;
      if (bar) {
        multi.update(); // flushes queued log lines
        multi.stop();
        bar = null;
      }
      state.finish();
    },
  };
}

/** A pipe or file (CI, tests): plain lines on `write`; a progress line at most every 10% or 10 s,
 *  and the summary unless the last line already showed the last step. */
export function lineReporter(name: string, write: (s: string) => void = (s) => process.stderr.write(s)): Reporter {
  const state = tracked(name, write);
  let last = { step: 0, t: -Infinity };
  return {
    update(p) {
      if (state.stopped) return;
      const { rate, eta } = state.update(p);
      const t = performance.now();
      if (p.step < p.totalSteps && p.step - last.step < p.totalSteps / 10 && t - last.t < 10_000) return;
      last = { step: p.step, t };
      write(`${name}: step ${p.step}/${p.totalSteps} | loss ${fmtNum(p.loss)}${metricsText(p)} | ${fmtRate(rate)} steps/s | ETA ${fmtTime(eta)}\n`);
    },
    log: (line) => console.log(line),
    stop: () => state.finish(last.step),
  };
}
