// Runs only the recurrent-steps section, without the rest of `npm run bench` (few runs, for the
// slow software adapter): `node build.mjs --gen && npx vite-node bench/steps_cli.ts [--quick] [W1 W5 …]`.
import { adapterInfo, init } from '../src/gpu/device.js';
import { sync } from '../src/gpu/memory.js';
import type { BenchContext } from './bench.js';
import { stepsSection } from './steps.js';

const quick = process.argv.includes('--quick');
const ctx: BenchContext = {
  quick,
  async time(step) {
    step(); // warm-up: pipeline compilation, pool allocation
    await sync();
    let t0 = performance.now();
    step();
    await sync();
    const once = (performance.now() - t0) / 1000;
    const iters = Math.max(1, Math.round(0.5 / once));
    const times: number[] = [];
    for (let r = 0; r < 3; r++) {
      t0 = performance.now();
      for (let i = 0; i < iters; i++) step();
      await sync();
      times.push((performance.now() - t0) / 1000 / iters);
    }
    times.sort((a, b) => a - b);
    return { seconds: times[1]!, iters, runs: 3 };
  },
};

await init();
console.log(`Adapter: ${adapterInfo().name}`);
for (const row of await stepsSection.run(ctx)) console.log(JSON.stringify(row));
process.exit(0); // Dawn's device keeps the event loop alive
