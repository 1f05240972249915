// The `webrnn` command: flag parsing and the SVG writer in-process, then the built CLI
// (`node dist/cli/webrnn.js`, after `node build.mjs`) as a child process: help, usage errors with
// exit code 2, smoke runs writing --plot and --save files, --load, and Ctrl-C (SIGINT), SIGTERM and
// SIGHUP.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildConfig, parseArgs, UsageError } from '../../demos/common/cli.js';
import type { Demo } from '../../demos/common/demo.js';
import { renderSvg } from '../../demos/common/plot.js';
import { DEMOS } from '../../demos/common/registry.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/webrnn.js');

describe('flags (in-process)', () => {
  const binaryAdd = DEMOS.get('binary-add')! as Demo;

  test('every demo is registered', () => {
    expect([...DEMOS.keys()]).toEqual(['binary-add', 'sine', 'seq-mnist', 'char-rnn', 'seq2seq', 'captcha']);
  });

  test('kebab-case flags set camelCase options; --x=v, --x v, --no-x; host flags are kept apart', () => {
    const p = parseArgs(['binary-add', '--steps', '12', '--eval-every=3', '--no-early-stop', '--cell', 'gru', '--lr', '0.1', '--plot', 'a.svg', '--smoke'], DEMOS);
    expect(p.demo).toBe('binary-add');
    expect(p.overrides).toEqual({ steps: 12, evalEvery: 3, earlyStop: false, cell: 'gru', lr: 0.1 });
    expect(p.host).toEqual({ smoke: true, plot: 'a.svg' });
    const c = buildConfig(binaryAdd, p);
    expect(c).toEqual({ ...binaryAdd.defaults, ...binaryAdd.smoke, steps: 12, evalEvery: 3, earlyStop: false, cell: 'gru', lr: 0.1 });
    expect(parseArgs(['--help'], DEMOS).help).toBe(true);
    expect(parseArgs(['sine', '-h'], DEMOS)).toMatchObject({ demo: 'sine', help: true });
  });

  test.each([
    [['binary-add', '--bogus'], /unknown flag --bogus for binary-add/],
    [['binary-add', '--steps'], /--steps needs a value/],
    [['binary-add', '--steps', 'ten'], /--steps must be a number, got 'ten'/],
    [['binary-add', '--steps', '2.5'], /--steps must be an integer/],
    [['binary-add', '--steps', '0'], /--steps must be ≥ 1, got 0/],
    [['binary-add', '--lr', '-1'], /--lr must be > 0, got -1/],
    [['binary-add', '--cell', 'elman'], /--cell must be one of lstm, gru, rnn, rnn_relu, got 'elman'/],
    [['binary-add', '--early-stop=maybe'], /--early-stop must be true or false/],
    [['binary-add', '--no-steps'], /--no-steps .*not a true\/false flag/],
    [['binary-add', 'sine'], /unexpected argument 'sine'/],
    [['binary-add', '-x'], /unknown flag -x/],
    [['sine', '--series', 'cos'], /--series must be one of both, sin, xsin/],
    [['nope'], /unknown demo 'nope'; the demos are: binary-add, sine, seq-mnist, char-rnn/],
    [['--steps', '3'], /unknown flag --steps here \(name a demo first/],
    [['--smoke', 'sine'], /unexpected argument 'sine' \(the demo comes first/],
    [[], /name a demo/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseArgs(argv, DEMOS)).toThrow(UsageError);
    expect(() => parseArgs(argv, DEMOS)).toThrow(message);
  });
});

describe('SVG plots (in-process)', () => {
  test('one panel per plot, one line per series and a legend; non-finite points break the line', () => {
    const svg = renderSvg([
      { name: 'a', title: 'Loss & <friends>', series: [{ label: 'train', x: [1, 2, 3, 4], y: [4, 3, NaN, 1] }] },
      { name: 'b', title: 'Two', series: [{ label: 'true', x: [0, 1], y: [0, 1] }, { label: 'pred', x: [0, 1], y: [0, 0.9] }] },
    ]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Loss &amp; &lt;friends&gt;');
    expect(svg.match(/<polyline/g)).toHaveLength(4); // a: two runs around the NaN; b: two series
    expect(svg).toContain('>pred</text>');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  test('a positive curve spanning decades gets a log axis', () => {
    const y = Array.from({ length: 100 }, (_, i) => 10 ** (-i / 20));
    const svg = renderSvg([{ name: 'loss', title: 'loss', series: [{ label: 'l', x: y.map((_, i) => i), y }] }]);
    expect(svg).toContain('loss (log scale)');
    expect(svg).toContain('>1e-4</text>');
  });
});

/** Runs the CLI to completion. */
function runCli(args: string[], timeoutMs = 90_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the built CLI (child processes)', () => {
  let dir: string;
  beforeAll(() => {
    execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    dir = mkdtempSync(join(tmpdir(), 'webrnn-cli-'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--help lists the demos and the host flags; <demo> --help lists its options', async () => {
    const main = await runCli(['--help']);
    expect(main.code).toBe(0);
    for (const name of ['binary-add', 'sine', 'seq-mnist', 'char-rnn', '--save PATH', '--load PATH', '--plot PATH']) expect(main.stdout).toContain(name);
    const own = await runCli(['binary-add', '--help']);
    expect(own.code).toBe(0);
    for (const flag of ['--steps N', '--hidden N', '--layers N', '--cell lstm|gru', '--lr N', '--seed N', '--[no-]early-stop']) expect(own.stdout).toContain(flag);
  }, 60_000);

  test('--version prints the version in package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  }, 60_000);

  test.each([
    [['binary-add', '--bogus']],
    [['binary-add', '--steps', 'x']],
    [['sine', '--plot', join(tmpdir(), 'p.png')]],
    [['sine', '--plot', '/no/such/folder/p.svg']],
    [['sine', '--load', '/no/such/file.safetensors']],
    [['nope']],
  ])('%j exits with code 2 and says why', async (args) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown flag --bogus|must be a number|give a path ending in \.svg|does not exist|no such file|unknown demo 'nope'/);
    expect(r.stdout).toBe('');
  }, 60_000);

  test('a smoke run writes --plot and --save files; --load resumes from the checkpoint', async () => {
    const plot = join(dir, 'binary-add.svg');
    const ckpt = join(dir, 'binary-add.safetensors');
    const r = await runCli(['binary-add', '--smoke', '--no-early-stop', '--steps', '12', '--plot', plot, '--save', ckpt]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^adapter: \S/m);
    expect(r.stdout).toMatch(/Result of binary-add:\n(.*\n)*\s+steps\s+12\n/);
    expect(r.stdout).toMatch(/^Pred:\[[01]( [01]){7}\]:\d+$/m);
    expect(r.stdout).toContain('Other demos:');
    const svg = readFileSync(plot, 'utf8');
    expect(svg).toContain('binary-add: training loss');
    expect(svg).toContain('<polyline');
    const file = decodeSafetensors(new Uint8Array(readFileSync(ckpt)));
    expect(file.metadata).toMatchObject({ demo: 'binary-add', step: '12' });
    expect(file.tensors['model.rnn.weight_hh_l0']!.shape).toEqual([32, 8]); // 4 gates × hidden 8

    const resumed = await runCli(['binary-add', '--smoke', '--no-early-stop', '--steps', '15', '--load', ckpt]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('resumed from a checkpoint at step 12');
    expect(resumed.stdout).toMatch(/\s+steps\s+15\n/);
  }, 120_000);

  test('sine --smoke writes its true-vs-predicted plots', async () => {
    const plot = join(dir, 'sine.svg');
    const r = await runCli(['sine', '--smoke', '--plot', plot]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/sinTestRmse\s+\d/);
    const svg = readFileSync(plot, 'utf8');
    for (const title of ['sin(t): test part, true vs predicted', 'x·sin(x)/3 + 2·sin(5x): test part', 'sine: training loss']) expect(svg).toContain(title);
  }, 120_000);

  test.each([
    ['SIGINT', 'Ctrl-C'],
    ['SIGTERM', 'SIGTERM'],
    ['SIGHUP', 'SIGHUP'],
  ] as const)('%s finishes the step, saves, prints the result and exits 0 like Ctrl-C; a dead save\'s temp file is removed', async (signal, label) => {
    const ckpt = join(dir, `interrupted-${signal}.safetensors`);
    // A temp file a killed save left (its process is gone), and one of a live writer (this one).
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const orphan = `${ckpt}.${deadPid}-orphan01.tmp`;
    const live = `${ckpt}.${process.pid}-live0001.tmp`;
    writeFileSync(orphan, 'partial checkpoint');
    writeFileSync(live, 'being written');
    const child = spawn(process.execPath, [CLI, 'binary-add', '--steps', '100000', '--no-early-stop', '--eval-every', '1000', '--save', ckpt], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    // The first progress line means training runs and the signal handlers are installed.
    await Promise.race([
      closed,
      new Promise<void>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d;
          if (/binary-add: step \d+\/100000/.test(stderr)) resolve();
        });
      }),
    ]);
    process.kill(child.pid!, signal);
    const code = await closed;
    clearTimeout(timer);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`${label}: stopping after this step`);
    expect(stdout).toMatch(/\s+stopped\s+yes\n/);
    expect(stdout).toContain(`(stopped by ${label})`);
    expect(stderr).toMatch(/binary-add: \d+ steps \(ended early, of 100000\)/);
    const steps = Number(stdout.match(/\n\s+steps\s+(\d+)\n/)![1]);
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThan(100000);
    expect(existsSync(ckpt)).toBe(true);
    expect(decodeSafetensors(new Uint8Array(readFileSync(ckpt))).metadata.step).toBe(String(steps));
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(live)).toBe(true);
    rmSync(live);
  }, 120_000);
});
