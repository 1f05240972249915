// dropout_backward.wgsl: dx = dy·mask·scale, scale = 1/(1 − p), with the forward's 0/1 mask.
// One invocation per element.
struct Dims { n: u32, scale: f32 }
@group(0) @binding(0) var<storage, read>       dy:   array<f32>;  // [n]
@group(0) @binding(1) var<storage, read>       mask: array<f32>;  // [n]
@group(0) @binding(2) var<storage, read_write> dx:   array<f32>;  // [n]
@group(0) @binding(3) var<uniform> dims: Dims;

// Entry point: per_element.wgsl.
fn element(i: u32) {
  dx[i] = dy[i] * mask[i] * dims.scale;
}
