// The API reference stays whole and current: scripts/api-docs.mjs --check fails when an export of
// src/index.ts has no doc comment (TypeDoc's validation.notDocumented) or when docs/api differs
// from what `npm run docs` writes now. TypeDoc compiles src/ first: ~30 s on 2 CPUs.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('every export is documented and docs/api is current (npm run docs)', async () => {
  const result = await promisify(execFile)(process.execPath, ['scripts/api-docs.mjs', '--check'], { cwd: REPO_ROOT, timeout: 170_000 })
    .then((r) => r.stdout, (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`);
  expect(result).toMatch(/^api-docs: docs\/api is up to date/);
}, 180_000);
