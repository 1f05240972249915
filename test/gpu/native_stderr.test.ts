// Dawn's two limit notices, printed by native code to fd 2, are dropped; every other line written
// to fd 2 meanwhile still reaches stderr. Run in a child process whose stderr is a shell pipe (as
// under `| tee` or a CI log; Node's own child pipes are sockets, which cannot be reopened and are
// left alone), with the code bundled by esbuild into dist/ (where `webgpu` resolves).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
mkdirSync(join(ROOT, 'dist'), { recursive: true });
const dir = mkdtempSync(join(ROOT, 'dist', 'test-stderr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundle(name: string, code: string): Promise<string> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, code);
  const out = join(dir, `${name}.mjs`);
  await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', external: ['webgpu'], logLevel: 'error' });
  return out;
}

/** Runs `node script` with its stderr through a shell pipe; returns that stderr and the status. */
function runPiped(script: string): { status: number | null; stderr: string } {
  const r = spawnSync('bash', ['-c', 'set -o pipefail; node "$1" 2>&1 >/dev/null | cat', 'run', script], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, stderr: r.stdout };
}

const NOTICE = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.';

test('the notices are dropped, other native lines and JS writes are kept, stderr works after', async () => {
  const script = await bundle('filter', `
    import { writeSync } from 'node:fs';
    import { withNativeStderrFiltered } from ${JSON.stringify(join(ROOT, 'src/gpu/native_stderr.ts'))};
    process.stderr.write('before\\n');
    const v = await withNativeStderrFiltered(async () => {
      writeSync(2, ${JSON.stringify(`${NOTICE}\n`)}); // what Dawn's fprintf does
      writeSync(2, 'Error: something else native\\n');
      writeSync(2, ${JSON.stringify(`${NOTICE.replace('Uniform', 'Storage')}\n`)});
      return 42;
    });
    process.stderr.write('after ' + v + '\\n');
  `);
  const r = runPiped(script);
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('before\nError: something else native\nafter 42\n');
});

test('init() in Node prints no Dawn notice', async () => {
  const script = await bundle('init', `
    import { init, adapterInfo } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};
    await init();
    process.stderr.write('adapter ' + adapterInfo().name + '\\n');
    process.exit(0);
  `);
  const r = runPiped(script);
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/^adapter /);
  expect(r.stderr).not.toMatch(/artificially reduced/);
});
