// Chromium's command line for every browser test: the demo-page tests (chromium.ts) and the
// kernel and nn suites in vitest's browser mode (vitest.config.ts). Plain data, no imports, so
// the vitest config can load it.

/** Debian's Chromium; CHROMIUM_PATH overrides it. Never a browser a tool downloaded. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags common to every launch: no sandbox (containers, root), shared memory in /tmp (Docker's
 * /dev/shm is 64 MB), no network chatter or updates.
 */
export const BASE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
/**
 * WebGPU without a GPU: Chromium only offers its SwiftShader (CPU) adapter behind
 * --enable-unsafe-webgpu; --use-webgpu-adapter=swiftshader asks for it even where a GPU exists,
 * so results do not depend on the machine.
 */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];
/** No hardware GPU and no unsafe fallback: navigator.gpu exists but requestAdapter() gives null. */
export const NO_ADAPTER_FLAGS = ['--disable-gpu'];
