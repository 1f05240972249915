// embedding_backward.wgsl: dW[v, e] = Σ dy[pos, e] over positions with indices[pos] = v, summed in
// increasing pos (deterministic: no float atomics). One workgroup per (row v, tile of 256 columns):
// it scans the indices 256 at a time, compacts the matching positions in order (prefix sum in
// workgroup memory), then each invocation adds those dy rows for its column. Indices outside
// [0, V) match no row and are ignored. Row `padding` (PyTorch's padding_idx; −1: none) gets a zero
// gradient. Cost: V·N index comparisons (256 per step) + N·E adds.
struct Dims { n: u32, dim: u32, num: u32, tiles: u32, padding: i32 }  // n = N positions, dim = E, num = V, tiles = ceil(E/256)
@group(0) @binding(0) var<storage, read>       dy:      array<f32>;  // [N, E]
@group(0) @binding(1) var<storage, read>       indices: array<i32>;  // [N]
@group(0) @binding(2) var<storage, read_write> dw:      array<f32>;  // [V, E]
@group(0) @binding(3) var<uniform> dims: Dims;

const WG = 256u;
var<workgroup> scan: array<u32, 256>;  // inclusive prefix sum of the match flags of one chunk
var<workgroup> hits: array<u32, 256>;  // the chunk's matching positions, in increasing order

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) groups: vec3u) {
  let w = wid.x + wid.y * groups.x;
  if (w >= dims.num * dims.tiles) { return; }  // past the end of a folded grid
  let v = w / dims.tiles;
  let e = (w % dims.tiles) * WG + lid;
  // v is the same for the whole workgroup, so this return keeps the barriers below uniform.
  if (i32(v) == dims.padding) {
    if (e < dims.dim) { dw[v * dims.dim + e] = 0.0; }
    return;
  }
  var acc = 0.0;
  for (var base = 0u; base < dims.n; base += WG) {
    let p = base + lid;
    var f = 0u;
    if (p < dims.n) { f = select(0u, 1u, indices[p] == i32(v)); }
    scan[lid] = f;
    workgroupBarrier();
    for (var s = 1u; s < WG; s <<= 1u) {  // Hillis–Steele: log2(256) = 8 steps
      var t = 0u;
      if (lid >= s) { t = scan[lid - s]; }
      workgroupBarrier();
      scan[lid] += t;
      workgroupBarrier();
    }
    if (f == 1u) { hits[scan[lid] - 1u] = p; }
    let count = scan[WG - 1u];
    workgroupBarrier();
    if (e < dims.dim) {
      for (var k = 0u; k < count; k++) { acc += dy[hits[k] * dims.dim + e]; }
    }
    workgroupBarrier();  // the next chunk overwrites scan and hits
  }
  if (e < dims.dim) { dw[v * dims.dim + e] = acc; }
}
