// per_element.wgsl: prelude, the entry point of the kernels that run one invocation per element of
// [0, dims.n): it calls the kernel's `fn element(i: u32)` for each in-range i. The flat index folds
// in gid.y so grids past 65535 workgroups work (see grid1d); the workgroup is 256 wide.
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * 256u;
  if (i < dims.n) { element(i); }
}
