// step_blocked.wgsl: prelude of the register-blocked step kernels, after broadcast.wgsl: their
// constants, uniform and entry point. Each kernel defines `const FORWARD: bool` (steps run up from
// `step`, or down) and `fn blocked_step(s, x, b0, d, lane)`: step s for the invocation's unit (or
// unit quad) x of rows b0 .. b0+ROWS−1, direction d; lane: the invocation's place in its group of
// LANES subgroup lanes (broadcast.wgsl).
const RB = 32u; // most batch rows an invocation (why: see lstm_step_forward_blocked.wgsl)
override ROWS: u32 = 32u; // batch rows an invocation, ≤ RB
// Invocations per workgroup along x: a multiple of 8 (so of LANES) fitted to H (or H/4) by the launcher; lanes
// past it still run.
override WG_X: u32 = 64;
struct Dims { batch: u32, hidden: u32, steps: u32, step: u32, dirs: u32, count: u32 }

@compute @workgroup_size(WG_X)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(subgroup_invocation_id) lane_id: u32) {
  // No early return: subgroupBroadcast and the barrier need every lane. Lanes past H or B work on
  // clamped indices and store nothing.
  for (var i = 0u; i < dims.count; i++) {
    let s = select(dims.step - i, dims.step + i, FORWARD);
    blocked_step(s, wid.x * WG_X + lid.x, wid.y * ROWS, wid.z, lane_id % LANES);
    // With count > 1 the workgroup holds every unit of its rows: the next step reads what this one
    // wrote for all of them (rows never depend on other rows).
    storageBarrier();
  }
}
