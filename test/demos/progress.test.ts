// The CLI's progress output: the rate and ETA leave out the first step (it compiles the pipelines),
// and a run that ends early ends with one summary line, on a pipe and on a terminal (a fake TTY
// stream here), with nothing drawn after it.
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { lineReporter, rateTracker, ttyReporter } from '../../demos/common/progress.js';

const report = (step: number, totalSteps = 1000) => ({ step, totalSteps, loss: 0.5 });

describe('rateTracker', () => {
  test('no rate at the first report (no "1000000.0 steps/s"); then steps since it over time since it', () => {
    let t = 0;
    const track = rateTracker(() => t);
    t = 20_000; // a cold first step: 20 s of compiling before the first report
    expect(track(report(1)).rate).toBeNaN();
    expect(track(report(1)).eta).toBeNaN();
    t += 100;
    const second = track(report(2));
    expect(second.rate).toBeCloseTo(10, 9); // one step in 0.1 s, the 20 s first step left out
    expect(second.eta).toBeCloseTo(99.8, 9);
    t += 300;
    expect(track(report(5)).rate).toBeCloseTo(10, 9);
  });
});

describe('lineReporter', () => {
  test('early end: the last line says where the run ended; nothing after stop()', () => {
    const out: string[] = [];
    const r = lineReporter('demo', (s) => out.push(s));
    for (let s = 1; s <= 75; s++) r.update(report(s));
    r.stop();
    r.update(report(76));
    r.stop();
    expect(out[0]).toMatch(/^demo: step 1\/1000 \| loss 0\.5000 \| \? steps\/s \| ETA \?\n$/);
    expect(out.at(-1)).toMatch(/^demo: 75 steps \(ended early, of 1000\) \| loss 0\.5000 \| [\d.]+ steps\/s \| \d+s\n$/);
    expect(out.join('')).not.toMatch(/1000000/);
  });

  test('a finished run ends with its last step line, not a repeat', () => {
    const out: string[] = [];
    const r = lineReporter('demo', (s) => out.push(s));
    for (let s = 1; s <= 40; s++) r.update(report(s, 40));
    r.stop();
    expect(out.at(-1)).toMatch(/^demo: step 40\/40 /);
  });
});

describe('ttyReporter', () => {
  test('early end: the bar is cleared and replaced by the summary line, and never drawn again', async () => {
    let text = '';
    const stream = Object.assign(new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } }), {
      isTTY: true, columns: 200, rows: 40,
    }) as unknown as NodeJS.WriteStream;
    const r = ttyReporter('demo', stream);
    for (let s = 1; s <= 75; s++) r.update(report(s));
    r.stop();
    const atStop = text.length;
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the bar's redraw interval
    r.update(report(76));
    r.stop();
    expect(text.length).toBe(atStop);
    const summary = text.lastIndexOf('demo: 75 steps (ended early, of 1000)');
    expect(summary).toBeGreaterThan(0);
    expect(text.slice(summary)).not.toContain('75/1000'); // no bar after the summary
    expect(text.slice(summary).endsWith('\n')).toBe(true);
  });
});
