// How many subgroup lanes the register-blocked kernels (matmul_blocked, the *_blocked steps) share
// a cooperative load across: shaders/broadcast.wgsl's LANES. 8 where every subgroup has at least 8
// lanes (lavapipe, GPUs); 4 where the smallest has 4 (SwiftShader, Chrome's software adapter), each
// lane then making two loads where it made one; none without subgroups.
import type { Gpu } from '../gpu/device.js';

declare module '../gpu/device.js' {
  interface Tuning {
    /** Lanes of the blocked kernels' broadcasts; tests force 4 on 8-lane adapters. */
    broadcastLanes?: 4 | 8;
  }
}

/** LANES of the blocked kernels on this device, or 0 where they cannot run. */
export function broadcastLanes(g: Gpu): 0 | 4 | 8 {
  const minSize = (g.adapter.info as { subgroupMinSize?: number }).subgroupMinSize ?? 0;
  if (!g.features.subgroups || minSize < 4) return 0;
  const lanes = minSize >= 8 ? 8 : 4;
  return g.tuning.broadcastLanes !== undefined && g.tuning.broadcastLanes <= lanes ? g.tuning.broadcastLanes : lanes;
}
