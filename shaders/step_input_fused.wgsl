// step_input_fused.wgsl: in place of step_input.wgsl, for one step of one direction (T = 1: a layer
// stepped token by token): each invocation computes the input projections of its own unit where
// it reads them, b_ih (+ b_hh where the cell folds it) + W_ih·x, instead of a matmul launch
// before the step computing them all. The bindings sit past the kernel's own (its xproj slot stays
// empty); the launcher sets the overrides.
override IN_SIZE: u32 = 1u;       // I, the columns of W_ih
override GATES: u32 = 1u;         // G, gate blocks a unit
override IN_FOLD_HH: bool = true; // b_hh is added here (not bound to the step as b_hh)

@group(0) @binding(16) var<storage, read> in_x: array<f32>;    // [B, I]
@group(0) @binding(17) var<storage, read> in_w: array<f32>;    // [G·H, I] W_ih
@group(0) @binding(18) var<storage, read> in_b_ih: array<f32>; // [G·H] (zeros for a layer without biases)
@group(0) @binding(19) var<storage, read> in_b_hh: array<f32>; // [G·H]

// Element `at` of the [1, B, G·H] projection the step would have read.
fn x_in(p: Place, at: u32) -> f32 {
  let r = at - p.b * GATES * dims.hidden; // the row of W_ih
  var acc = in_b_ih[r];
  if (IN_FOLD_HH) { acc += in_b_hh[r]; }
  let w = r * IN_SIZE;
  let x = p.b * IN_SIZE;
  for (var i = 0u; i < IN_SIZE; i++) {
    acc += in_x[x + i] * in_w[w + i];
  }
  return acc;
}
