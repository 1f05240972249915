// loss_weights.wgsl: per-row weights of a masked / ignore-index loss: w[i] = mask[i] (or 1), and 0
// where targets[i] == ignore_index. One invocation per row.
struct Dims { n: u32, ignore_index: i32, has_ignore: u32, has_mask: u32 }
@group(0) @binding(0) var<storage, read>       targets: array<i32>;  // [N] (bound but unread without ignore)
@group(0) @binding(1) var<storage, read>       mask:    array<f32>;  // [N] (bound but unread without mask)
@group(0) @binding(2) var<storage, read_write> w:       array<f32>;  // [N]
@group(0) @binding(3) var<uniform> dims: Dims;

// Entry point: per_element.wgsl.
fn element(i: u32) {
  var v = 1.0;
  if (dims.has_mask == 1u) { v = mask[i]; }
  if (dims.has_ignore == 1u && targets[i] == dims.ignore_index) { v = 0.0; }
  w[i] = v;
}
