// half_enable.wgsl: first file of the kernels that read f16 weights natively (the adapter's
// shader-f16 feature): WGSL wants every enable directive before any declaration.
enable f16;
