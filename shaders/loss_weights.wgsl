// loss_weights.wgsl: per-row weights of a masked / ignore-index / class-weighted loss: w[i] = mask[i]
// (or 1) times class_weight[targets[i]] (PyTorch's weighted-mean denominator), 0 where targets[i]
// == ignore_index, NaN for a class-weighted row whose target is outside [0, c). One invocation per row.
struct Dims { n: u32, ignore_index: i32, has_ignore: u32, has_mask: u32, c: u32, has_class_weight: u32 }
@group(0) @binding(0) var<storage, read>       targets: array<i32>;  // [N] (bound but unread without ignore or class weights)
@group(0) @binding(1) var<storage, read>       mask:    array<f32>;  // [N] (bound but unread without mask)
@group(0) @binding(2) var<storage, read>       class_weight: array<f32>;  // [c] (bound but unread without has_class_weight)
@group(0) @binding(3) var<storage, read_write> w:       array<f32>;  // [N]
@group(0) @binding(4) var<uniform> dims: Dims;

var<private> nan_bits: u32 = 0x7fc00000u;

// Entry point: per_element.wgsl.
fn element(i: u32) {
  var v = 1.0;
  if (dims.has_mask == 1u) { v = mask[i]; }
  if (dims.has_class_weight == 1u) {
    let t = targets[i];
    if (t >= 0 && u32(t) < dims.c) { v *= class_weight[u32(t)]; } else { v = bitcast<f32>(nan_bits); }
  }
  if (dims.has_ignore == 1u && targets[i] == dims.ignore_index) { v = 0.0; }
  w[i] = v;
}
