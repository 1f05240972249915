// The shared UI of the demo pages: checks WebGPU and names the adapter, a settings form (URL query
// overrides the defaults: ?steps=30&autostart), start/stop, live progress and loss curve, the log,
// and the result. Test protocol: #status + body[data-state] 'ready' | 'error', body[data-run], window.demoPage.
import { adapterInfo, init } from '../../src/index.js';
import { drawPlot } from './canvas-plot.js';
import type { Demo, DemoHooks, DemoResult, Progress } from './demo.js';
import { configFromQuery, fieldsOf, parseValue, type Field } from './page-config.js';

/** What a page shows and a test reads (window.demoPage). */
export interface PageState {
  demo: string;
  state: 'loading' | 'ready' | 'error';
  run: 'idle' | 'running' | 'done' | 'stopped' | 'failed';
  adapter?: { name: string; isSoftware: boolean; maxStorageBuffersPerShaderStage: number };
  config: Record<string, unknown>;
  /** Every progress report: step, loss, and seconds since the run started. */
  losses: { step: number; loss: number; seconds: number }[];
  progress?: Progress;
  log: string[];
  result?: DemoResult;
  error?: string;
  seconds?: number;
}

declare global {
  interface Window {
    demoPage?: PageState;
  }
}

/** Per-page settings of mountDemo. */
export interface PageOptions<C> {
  /** Settings that differ from the Node defaults in the browser (e.g. a data URL); the query still wins. */
  overrides?: Partial<C>;
  /** A line under the description, e.g. where the page's data comes from. */
  note?: string;
}

/** How to get WebGPU, shown whenever it is missing. */
export const WEBGPU_HELP =
  'This demo needs a browser with WebGPU: Chrome or Edge 113+ (on Linux, enable chrome://flags/#enable-unsafe-webgpu ' +
  'and #enable-vulkan), Safari 26+, or Firefox 141+ on Windows; hardware acceleration must be on.';

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60em; margin: 1.5em auto; padding: 0 1em; color: #202124; }
#status { padding: .45em .8em; border-radius: 4px; background: #eee; }
body[data-state="ready"] #status { background: #e6f4ea; color: #0b5d1e; }
body[data-state="error"] #status { background: #fce8e6; color: #a50e0e; }
.settings { display: flex; flex-wrap: wrap; gap: .3em 1em; margin: .8em 0; }
.settings label { font-size: 13px; } .settings input { width: 6em; margin-left: .3em; }
button { font: inherit; padding: .25em 1.2em; margin-right: .5em; }
#progress { font-variant-numeric: tabular-nums; margin: .6em 0; }
canvas { display: block; width: 100%; height: 240px; border: 1px solid #e0e0e0; margin: .5em 0; }
#log { background: #f6f8fa; padding: .6em; white-space: pre-wrap; font: 12px/1.35 monospace; max-height: 18em; overflow: auto; }
table { border-collapse: collapse; margin: .5em 0; } td { padding: .15em .8em; border-bottom: 1px solid #eee; font-variant-numeric: tabular-nums; }
`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...kids: (Node | string)[]) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

/** Builds the page for `demo` under #app and starts WebGPU; with ?autostart, starts training too. */
export async function mountDemo<C extends Record<string, unknown>>(demo: Demo<C>, options: PageOptions<C> = {}): Promise<PageState> {
  document.head.append(el('style', { textContent: STYLE }));
  document.title = `webrnn: ${demo.name}`;
  const status = document.getElementById('status') ?? el('p', { id: 'status' });
  const app = document.getElementById('app') ?? document.body;
  const page: PageState = { demo: demo.name, state: 'loading', run: 'idle', config: {}, losses: [], log: [] };
  window.demoPage = page;
  const setRun = (run: PageState['run']) => { page.run = run; document.body.dataset.run = run; };
  const fail = (message: string) => {
    page.state = 'error';
    page.error = message;
    status.textContent = message;
    document.body.dataset.state = 'error';
    return page;
  };
  setRun('idle');

  const startButton = el('button', { textContent: 'Start', disabled: true });
  const stopButton = el('button', { textContent: 'Stop', disabled: true });
  const form = el('div', { className: 'settings' });
  const progressText = el('div', { id: 'progress', textContent: 'Not started.' });
  const lossCanvas = el('canvas', { id: 'loss' });
  const logBox = el('pre', { id: 'log' });
  const results = el('div', { id: 'results' });
  app.append(
    el('p', {}, el('a', { href: '../', textContent: '← all demos' })),
    el('h1', { textContent: `webrnn · ${demo.name}` }),
    el('p', { textContent: demo.description }),
    ...(options.note ? [el('p', { textContent: options.note })] : []),
    status,
    form,
    el('div', {}, startButton, stopButton),
    progressText,
    lossCanvas,
    el('h2', { textContent: 'Log' }),
    logBox,
    results,
  );

  let config: C;
  try {
    config = configFromQuery(demo, location.search, options.overrides);
  } catch (e) {
    return fail(`${(e as Error).message}. Fix the page address.`);
  }
  page.config = config;
  const fields = fieldsOf(demo as unknown as Demo<Record<string, unknown>>);
  const inputs = new Map<string, HTMLInputElement>(fields.map((f) => [f.key, fieldInput(f, config[f.key])]));
  form.append(...fields.map((f) => el('label', { title: f.help }, f.key, inputs.get(f.key)!)));
  drawLoss();

  // WebGPU: absent API and absent adapter are different fixes, so say which one it is.
  if (!('gpu' in navigator) || !navigator.gpu) {
    return fail(`WebGPU is not available in this browser (navigator.gpu is missing). ${WEBGPU_HELP}`);
  }
  try {
    const gpu = await init();
    const info = adapterInfo();
    page.adapter = { name: info.name, isSoftware: info.isSoftware, maxStorageBuffersPerShaderStage: gpu.limits.maxStorageBuffersPerShaderStage };
    status.textContent = `WebGPU adapter: ${info.name}${info.isSoftware ? ' (software: runs on the CPU, slowly)' : ''}`;
  } catch (e) {
    return fail(`WebGPU could not start: ${(e as Error).message}. ${WEBGPU_HELP}`);
  }
  page.state = 'ready';
  document.body.dataset.state = 'ready';
  startButton.disabled = false;

  let stopRequested = false;
  let lastDraw = 0;
  function drawLoss() {
    const series = [{ label: 'loss', x: page.losses.map((p) => p.step), y: page.losses.map((p) => p.loss) }];
    drawPlot(lossCanvas, series, { title: 'Training loss', xLabel: 'step', yLabel: 'loss', yScale: 'log' });
  }
  /** The progress line; `ended` ('done', 'stopped') replaces the time left once the run is over. */
  function showProgress(p: Progress, t0: number, ended?: string) {
    const seconds = (performance.now() - t0) / 1000;
    const rate = p.step / Math.max(seconds, 1e-9);
    const left = rate > 0 ? (p.totalSteps - p.step) / rate : NaN;
    const metrics = Object.entries(p.metrics ?? {}).map(([k, v]) => `${k} ${formatNumber(v)}`);
    const tail = ended ? [ended] : Number.isFinite(left) ? [`~${left.toFixed(0)} s left`] : [];
    progressText.textContent = [`step ${p.step} / ${p.totalSteps}`, `loss ${formatNumber(p.loss)}`, ...metrics,
      `${rate.toFixed(1)} steps/s`, `${seconds.toFixed(1)} s`, ...tail].join(' · ');
  }

  async function start() {
    if (page.run === 'running') return;
    try {
      for (const f of fields) (config as Record<string, unknown>)[f.key] = readInput(f, inputs.get(f.key)!);
    } catch (e) {
      progressText.textContent = (e as Error).message;
      return;
    }
    stopRequested = false;
    page.losses = [];
    page.log = [];
    page.result = undefined;
    page.error = undefined;
    logBox.textContent = '';
    results.replaceChildren();
    startButton.disabled = true;
    stopButton.disabled = false;
    setRun('running');
    drawLoss();
    const t0 = performance.now();
    const hooks: DemoHooks = {
      progress(p) {
        page.progress = p;
        page.losses.push({ step: p.step, loss: p.loss, seconds: (performance.now() - t0) / 1000 });
        showProgress(p, t0);
        // Redraw at most ~10 times a second: a long run reports often.
        if (performance.now() - lastDraw > 100) {
          lastDraw = performance.now();
          drawLoss();
        }
      },
      log(line) {
        page.log.push(line);
        logBox.textContent += `${line}\n`;
        logBox.scrollTop = logBox.scrollHeight;
      },
      shouldStop: () => stopRequested,
      readFile: fetchBytes,
      async save(bytes) {
        const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
        results.append(el('p', {}, el('a', { href: url, download: `${demo.name}.safetensors`, textContent: `Download the checkpoint (${(bytes.length / 1024).toFixed(0)} KiB)` })));
      },
    };
    try {
      const result = await demo.run(config, hooks);
      page.result = result;
      showResult(result, results);
      setRun(stopRequested ? 'stopped' : 'done');
      if (page.progress) showProgress(page.progress, t0, page.run);
    } catch (e) {
      page.error = e instanceof Error ? e.message : String(e);
      progressText.textContent = `Failed: ${page.error}`;
      setRun('failed');
    } finally {
      page.seconds = (performance.now() - t0) / 1000;
      drawLoss();
      startButton.disabled = false;
      stopButton.disabled = true;
    }
  }

  startButton.addEventListener('click', () => void start());
  stopButton.addEventListener('click', () => {
    stopRequested = true;
    stopButton.disabled = true;
    progressText.textContent += ' · stopping after this step…';
  });
  addEventListener('resize', () => drawLoss());
  if (new URLSearchParams(location.search).has('autostart')) void start();
  return page;
}

function fieldInput(f: Field, value: unknown): HTMLInputElement {
  const input = document.createElement('input');
  input.name = f.key;
  if (f.type === 'boolean') {
    input.type = 'checkbox';
    input.checked = value === true;
  } else {
    input.type = f.type === 'number' ? 'number' : 'text';
    input.step = 'any';
    input.value = value === undefined ? '' : String(value);
  }
  return input;
}

function readInput(f: Field, input: HTMLInputElement): number | string | boolean {
  return f.type === 'boolean' ? input.checked : parseValue(f.key, f.type, input.value);
}

/** Bytes of a URL relative to the page, with an error that names it. */
async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`fetching ${new URL(url, location.href).href} failed: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** The summary as a table, then one canvas per plot. */
function showResult(result: DemoResult, into: HTMLElement): void {
  const rows = Object.entries(result.summary).map(([k, v]) =>
    el('tr', {}, el('td', { textContent: k }), el('td', { textContent: typeof v === 'number' ? formatNumber(v) : v })));
  into.append(el('h2', { textContent: 'Result' }), el('table', { id: 'summary' }, ...rows));
  for (const plot of result.plots) {
    const canvas = el('canvas', { className: 'result-plot' });
    into.append(canvas);
    drawPlot(canvas, plot.series, { title: plot.title, yScale: /loss/i.test(plot.name) ? 'log' : 'linear' });
  }
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}
