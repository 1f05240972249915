// Regenerates src/kernels/wgsl.gen.ts before any test imports it.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['build.mjs', '--gen'], { stdio: 'inherit' });
}
