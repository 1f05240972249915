import { init, sync } from './src/index.js';
import { GpuTimer } from './bench/gpu_timer.js';
import { WebrnnModel } from './bench/webrnn_model.js';
import { FULL_WORKLOADS, makeData } from './bench/workloads.js';

async function time(f: () => Promise<unknown>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); await f(); out.push(performance.now() - t0); }
  return out;
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
(window as any).run = async (ids: string[], modes: string[], reps: number, train: boolean, profile: boolean) => {
  const g = await init();
  const setMode = (m: string) => { g.tuning.stepVariant = m === 'old' ? 'simple' : undefined; (g.tuning as any).matmulVariant = m === 'old' ? 'simple' : undefined; g.tuning.wholeSequence = m.includes('ws1') ? true : m.includes('ws0') ? false : undefined; g.tuning.blockRows = (m.match(/r(8|16|32)/) ? +m.match(/r(8|16|32)/)![1]! : undefined) as any; };
  const log: string[] = [];
  for (const wl of FULL_WORKLOADS.filter((w) => ids.includes(w.id))) {
    const model = new WebrnnModel(wl, makeData(wl));
    const res: Record<string, number[]> = {};
    for (let r = 0; r < reps; r++) for (const m of modes) {
      setMode(m);
      if (r === 0) { await model.infer(); if (train) await model.trainStep(); }
      (res[m + ' infer'] ??= []).push(...(await time(() => model.infer(), 1)));
      if (train) (res[m + ' train'] ??= []).push(...(await time(() => model.trainStep(), 1)));
    }
    for (const [k, v] of Object.entries(res)) log.push(`${wl.id} ${k}: median ${med(v).toFixed(1)} ms [${v.map((x) => x.toFixed(0)).join(' ')}]`);
    if (profile) {
      for (const m of modes) {
        setMode(m);
        const timer = new GpuTimer(g.device);
        timer.install();
        const loss = model.recordTrainStep((p) => (timer.tag = p));
        await loss.item();
        timer.uninstall();
        const times = await timer.collect();
        const by = new Map<string, [number, number]>();
        for (const t of times) { const k = `${t.tag} ${t.kernel}`; const e = by.get(k) ?? [0, 0]; e[0]++; e[1] += t.ns; by.set(k, e); }
        for (const [k, [n, ns]] of [...by].sort((a, b) => b[1][1] - a[1][1]).slice(0, 12)) log.push(`  ${wl.id} ${m} ${k}: ${n} × → ${(ns / 1e6).toFixed(1)} ms`);
      }
    }
    model.dispose();
    await sync();
  }
  return log.join('\n');
};
