// nan.wgsl: prelude of the kernels that must keep NaN as PyTorch does. A compiler may fold
// `x != x` to false under finite-math assumptions, and NVIDIA's Vulkan compiler turns
// select(x, 0, x < 0) into max(x, 0), which returns 0 for NaN (H100, driver 580): test the bits.
fn is_nan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }

// max(v, 0) that returns NaN for NaN (PyTorch's relu).
fn relu(v: f32) -> f32 { return select(max(v, 0.0), v, is_nan(v)); }
