// step_layout.wgsl: prelude of every step kernel, simple and blocked: where an invocation's row
// sits in the layout every cell shares, and that layout's indices (the twins' rows.ts). Each
// kernel declares `dims` (with batch, hidden, steps, dirs) and `lengths`.

// Inference (nothing is saved for a backward pass; forward kernels only): RING keeps the states
// and gates in 2 step slots used in turn ([D, 2, B, ·]) instead of one a step; SAVE = false (cells
// whose gates only the backward reads) does not write the gates at all.
override RING: bool = false;
override SAVE: bool = true;

// Slot of step slot k, and slots a direction: T+1 states / T gates, or 2 in a ring.
fn ring_slot(k: u32) -> u32 { return select(k, k % 2u, RING); }
fn state_slots() -> u32 { return select(dims.steps + 1u, 2u, RING); }
fn step_slots() -> u32 { return select(dims.steps, 2u, RING); }

// Index of (direction d, batch row 0) of state slot `slot` / step s, in rows.
fn state_base(d: u32, slot: u32) -> u32 { return (d * state_slots() + ring_slot(slot)) * dims.batch; }
fn step_base(d: u32, s: u32) -> u32 { return (d * step_slots() + ring_slot(s)) * dims.batch; }

// Unit j of batch row b, direction d, at processing step s (the same for both directions). The
// step is live while s < len, the row's length; past it a step only carries states and writes
// the zeros of padding. tpos: the time position the step reads and writes: s forward, len−1−s in
// the reverse direction (which starts at each sequence's own end), and s, a padding position
// (both directions cover 0 .. len−1 while live), when not.
struct Place { j: u32, b: u32, d: u32, s: u32, len: u32, tpos: u32, live: bool }

fn place(j: u32, b: u32, d: u32, s: u32) -> Place {
  let len = u32(lengths[b]);
  let live = s < len;
  let tpos = select(s, select(s, len - 1u - s, d == 1u), live);
  return Place(j, b, d, s, len, tpos, live);
}

// Row b of state slot `slot`, direction d, in a [D, T+1, B, H] state ([D, 2, B, H] with RING).
fn state_row(p: Place, slot: u32) -> u32 {
  return (state_base(p.d, slot) + p.b) * dims.hidden;
}

// Row (tpos, b), direction d, in a [T, B, D·width] buffer: y, dy (width H), xproj, dxproj (G·H).
fn seq_row(p: Place, width: u32) -> u32 {
  return (p.tpos * dims.batch + p.b) * dims.dirs * width + p.d * width;
}

// Row b of step s, direction d, in a [D, T, B, width] buffer: gates ([D, 2, B, width] with RING), dgates_hh.
fn step_row(p: Place, s: u32, width: u32) -> u32 {
  return (step_base(p.d, s) + p.b) * width;
}

// Row b, direction d, in a [D, B, H] carry.
fn carry_row(p: Place) -> u32 {
  return (p.d * dims.batch + p.b) * dims.hidden;
}
