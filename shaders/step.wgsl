// step.wgsl: prelude of the simple step kernels (one invocation per unit, batch row and direction),
// before step_layout.wgsl: their uniform and entry point. Each kernel declares `dims` and `lengths`
// (their binding numbers differ) and defines `fn cell_step(p: Place)`, what one invocation does.
struct Dims { batch: u32, hidden: u32, steps: u32, step: u32, dirs: u32 }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  // The grid is rounded up to whole workgroups: invocations past H, B or D do nothing.
  if (gid.x < dims.hidden && gid.y < dims.batch && gid.z < dims.dirs) {
    cell_step(place(gid.x, gid.y, gid.z, dims.step));
  }
}
