// step.wgsl: prelude of the simple step kernels (one invocation per unit, batch row and direction):
// their uniform, their entry point, where an invocation sits, and the indices of the layout every
// cell shares. Each kernel declares `dims` and `lengths` (their binding numbers differ) and
// defines `fn cell_step(p: Place)`, what one invocation does.
struct Dims { batch: u32, hidden: u32, steps: u32, step: u32, dirs: u32 }

// Unit j of batch row b, direction d, at processing step s (the same for both directions). The
// step is live while s < len, the row's length; past it a step only carries states and writes
// the zeros of padding. tpos: the time position the step reads and writes: s forward, len−1−s in
// the reverse direction (which starts at each sequence's own end), and s, a padding position
// (both directions cover 0 .. len−1 while active), when inactive.
struct Place { j: u32, b: u32, d: u32, s: u32, len: u32, tpos: u32, live: bool }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  // The grid is rounded up to whole workgroups: invocations past H, B or D do nothing.
  if (gid.x < dims.hidden && gid.y < dims.batch && gid.z < dims.dirs) { cell_step(place(gid)); }
}

fn place(gid: vec3u) -> Place {
  let s = dims.step;
  let len = u32(lengths[gid.y]);
  let live = s < len;
  let tpos = select(s, select(s, len - 1u - s, gid.z == 1u), live);
  return Place(gid.x, gid.y, gid.z, s, len, tpos, live);
}

// Row b of state slot `slot`, direction d, in a [D, T+1, B, H] state.
fn state_row(p: Place, slot: u32) -> u32 {
  return ((p.d * (dims.steps + 1u) + slot) * dims.batch + p.b) * dims.hidden;
}

// Row (tpos, b), direction d, in a [T, B, D·width] buffer: y, dy (width H), xproj, dxproj (G·H).
fn seq_row(p: Place, width: u32) -> u32 {
  return (p.tpos * dims.batch + p.b) * dims.dirs * width + p.d * width;
}

// Row b of step s, direction d, in a [D, T, B, width] buffer: gates, dgates_hh.
fn step_row(p: Place, s: u32, width: u32) -> u32 {
  return ((p.d * dims.steps + s) * dims.batch + p.b) * width;
}

// Row b, direction d, in a [D, B, H] carry.
fn carry_row(p: Place) -> u32 {
  return (p.d * dims.batch + p.b) * dims.hidden;
}
