#!/usr/bin/env node
// The `webrnn` command: `webrnn <demo> [flags]` trains a demo on the default WebGPU device with a
// progress bar (loss, steps/s, time left), writes --plot / --save files and prints the result.
// Exit codes: 0 done (also after Ctrl-C, SIGTERM or SIGHUP), 1 the run failed, 2 a command-line mistake.
import { access, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { adapterInfo, init } from 'webrnn';
import { writeFileAtomic } from '../src/io/fs.js';
import { buildConfig, demoHelp, mainHelp, parseArgs, UsageError, type HostFlags } from './common/cli.js';
import type { Demo, DemoHooks, DemoResult } from './common/demo.js';
import { renderSvg } from './common/plot.js';
import { fmtNum, lineReporter, ttyReporter } from './common/progress.js';
import { DEMOS } from './common/registry.js';

/** Checks the host flags' files before anything runs, so a typo fails fast with exit code 2. */
async function checkHostFlags(host: HostFlags): Promise<void> {
  if (host.plot !== undefined && !/\.svg$/i.test(host.plot)) {
    throw new UsageError(`--plot ${host.plot}: plots are written as SVG; give a path ending in .svg`);
  }
  for (const [flag, path] of [['--plot', host.plot], ['--save', host.save]] as const) {
    if (path === undefined) continue;
    try {
      await access(dirname(path));
    } catch {
      throw new UsageError(`${flag} ${path}: the folder ${dirname(path)} does not exist`);
    }
  }
  if (host.load !== undefined) {
    try {
      await access(host.load);
    } catch {
      throw new UsageError(`--load ${host.load}: no such file`);
    }
  }
}

/** How to invoke this command again: `webrnn` when installed, else `node <path to webrnn.js>`. */
function commandName(): string {
  const script = process.argv[1] ?? '';
  return /webrnn\.js$/.test(script) ? `node ${relative(process.cwd(), script) || script}` : 'webrnn';
}

function printResult(demo: Demo, result: DemoResult): void {
  const rows = Object.entries(result.summary);
  const width = Math.max(0, ...rows.map(([k]) => k.length)) + 2;
  console.log(`\nResult of ${demo.name}:`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}${typeof v === 'number' ? fmtNum(v) : v}`);
}

async function runDemo(demo: Demo, config: Record<string, unknown>, host: HostFlags, cmd: string): Promise<void> {
  const t0 = performance.now();
  let stopRequested: string | false = false;
  const reporter = process.stderr.isTTY ? ttyReporter(demo.name) : lineReporter(demo.name);
  // Installed before anything starts, so Ctrl-C, SIGTERM (a CI timeout, `docker stop`, `kill`) and
  // SIGHUP (the terminal closed) always end the run cleanly: after its current step, saved with
  // --save, exit code 0. A second signal quits at once (128 + its number, as the shell reports it).
  const signals = { SIGINT: ['Ctrl-C', 130], SIGTERM: ['SIGTERM', 143], SIGHUP: ['SIGHUP', 129] } as const;
  for (const [signal, [label, code]] of Object.entries(signals)) {
    process.on(signal, () => {
      if (stopRequested) {
        reporter.stop();
        process.stderr.write(`second signal (${label}): quitting without finishing\n`);
        process.exit(code);
      }
      stopRequested = label;
      reporter.log(`${label}: stopping after this step (send it again to quit at once)`);
    });
  }
  await init();
  const info = adapterInfo();
  console.log(`adapter: ${info.name}${info.isSoftware ? ' (software)' : ''}`);
  console.log(`config: ${Object.entries(config).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);

  let savedTo: string | null = null;
  const hooks: DemoHooks = {
    progress: (p) => reporter.update(p),
    log: (line) => reporter.log(line),
    shouldStop: () => stopRequested !== false,
    readFile: async (path) => new Uint8Array(await readFile(path)),
    save: host.save === undefined ? undefined : async (bytes) => {
      await writeFileAtomic(host.save!, bytes);
      savedTo = host.save!;
    },
    load: host.load === undefined ? undefined : async () => new Uint8Array(await readFile(host.load!)),
  };
  let result: DemoResult;
  try {
    result = await demo.run(config, hooks);
  } finally {
    reporter.stop();
  }
  printResult(demo, result);
  if (host.plot !== undefined) {
    await writeFile(host.plot, renderSvg(result.plots));
    console.log(`plot: ${host.plot} (${result.plots.map((p) => p.name).join(', ') || 'no plots'})`);
  }
  if (host.save !== undefined) console.log(savedTo ? `checkpoint: ${savedTo}` : `note: ${demo.name} wrote no checkpoint, --save ${host.save} was not used`);
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s${stopRequested ? ` (stopped by ${stopRequested})` : ''}`);
  const others = [...DEMOS.values()].filter((d) => d !== demo);
  if (others.length) {
    console.log('\nOther demos:');
    const width = Math.max(...others.map((d) => d.name.length)) + 2;
    for (const d of others) console.log(`  ${cmd} ${d.name.padEnd(width)}${d.description}`);
    console.log(`  ${cmd} <demo> --help   shows a demo's flags`);
  }
}

/** The version in the package.json of the package this command belongs to (dist/cli/webrnn.js is
 *  two folders down from it, in the repository and in an installed package alike). */
async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  if (!pkg.version) throw new Error('the package.json beside this command has no version');
  return pkg.version;
}

async function main(): Promise<number> {
  const cmd = commandName();
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2), DEMOS, cmd);
    if (parsed.version) {
      console.log(await packageVersion());
      return 0;
    }
    if (parsed.help) {
      const demo = parsed.demo ? DEMOS.get(parsed.demo) : undefined;
      console.log(demo ? demoHelp(demo, cmd) : mainHelp(DEMOS, cmd));
      return 0;
    }
    await checkHostFlags(parsed.host);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${cmd}: ${e.message}`);
    return 2;
  }
  const demo = DEMOS.get(parsed.demo!)!;
  await runDemo(demo, buildConfig(demo, parsed), parsed.host, cmd);
  return 0;
}

main().then(
  // Dawn's device keeps the event loop alive, so leave explicitly once stdout has drained.
  (code) => process.stdout.write('', () => process.exit(code)),
  (e: unknown) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.WEBRNN_DEBUG && e instanceof Error) console.error(e.stack);
    process.exit(1);
  },
);
