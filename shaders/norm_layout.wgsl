// norm_layout.wgsl: prelude of the normalisation kernels (batch norm, layer norm). x is viewed as
// [outer, C, inner] and normalised per group c over its outer·inner elements: batch norm's groups
// are channels ([B, C, L]), layer norm's are rows ([1, rows, N]). AFFINE: 0 none, 1 weight and bias
// per group (batch norm), 2 per inner position (layer norm). After row_reduce.wgsl.
struct Dims { outer: u32, c: u32, inner: u32, eps: f32, momentum: f32 }
override AFFINE: u32 = 0u;

// Element k (0 ≤ k < outer·inner) of group c.
fn group_at(c: u32, k: u32) -> u32 { return ((k / dims.inner) * dims.c + c) * dims.inner + k % dims.inner; }
fn group_size() -> u32 { return dims.outer * dims.inner; }
