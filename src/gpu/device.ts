// Device set-up: navigator.gpu in the browser, Dawn's `webgpu` package in Node. The only file that
// picks the WebGPU implementation by platform (file paths in Node are io/fs.ts's concern).
import { checkOptions } from '../util/options.js';
import { withNativeStderrFiltered } from './native_stderr.js';

/** What the user runs on, from the adapter. `isSoftware` is true for lavapipe and SwiftShader. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isSoftware: boolean;
  /** Short human-readable name, e.g. "llvmpipe (mesa software)". */
  name: string;
}

export interface Features {
  timestampQuery: boolean;
  shaderF16: boolean;
  subgroups: boolean;
}

/** A device with what webrnn learned about its adapter. */
export interface Gpu {
  /** "webrnn device #N": the GPUDevice's label too, so validation messages say which device. */
  label: string;
  device: GPUDevice;
  adapter: GPUAdapter;
  info: AdapterInfo;
  features: Features;
  limits: GPUSupportedLimits;
  /** Logical CPUs of the host (navigator.hardwareConcurrency, os.availableParallelism()): the
   *  threads a software adapter spreads its workgroups over. */
  hostThreads: number;
  /** Whether waiting for the GPU busy-polls the main thread (Dawn in Node; see wait.ts). */
  pollsWhileWaiting: boolean;
  /** Set once the device is lost; every later call throws it. */
  lost: Error | null;
  /** Errors the device raised outside any scope, thrown at the next sync point. */
  pendingErrors: string[];
  /** Choices that heuristics otherwise make from the adapter, forced: for tests and benchmarks. */
  tuning: Tuning;
}

/**
 * Forced choices, empty by default (the heuristics decide). Each kernel family declares its own
 * knob next to its heuristic, by declaration merging (`declare module '../gpu/device.js'`).
 */
export interface Tuning {
  /** Fill every buffer the pool hands out with NaN, so an element a kernel fails to write shows up. */
  poisonBuffers?: boolean;
}

/** Runs `fn` with `patch` applied to g.tuning and puts every knob back as it was afterwards, also
 *  when `fn` throws: how a benchmark or a test times or checks one forced choice. */
export async function withTuning<T>(g: Gpu, patch: Tuning, fn: () => T | Promise<T>): Promise<T> {
  const before = { ...g.tuning };
  Object.assign(g.tuning, patch);
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(g.tuning) as (keyof Tuning)[]) delete g.tuning[k];
    Object.assign(g.tuning, before);
  }
}

/** Options of init() and createDevice(). */
export interface InitOptions {
  /** WebGPU's adapter hint: 'high-performance' or 'low-power'. */
  powerPreference?: GPUPowerPreference;
  /** Node only: skip the hardware adapter and use a software Vulkan driver. */
  forceSoftware?: boolean;
}

const INIT_OPTIONS = { powerPreference: ['low-power', 'high-performance'], forceSoftware: 'boolean' } as const;

let defaultGpu: Gpu | null = null;
/** The device being opened: concurrent init() calls share it instead of opening one each. */
let opening: Promise<Gpu> | null = null;

/** Creates the default device (once) and returns it. Safe to call many times, also concurrently. */
export function init(options: InitOptions = {}): Promise<Gpu> {
  try {
    checkOptions('init', options, INIT_OPTIONS);
  } catch (e) {
    return Promise.reject(e as Error);
  }
  if (defaultGpu && !defaultGpu.lost) return Promise.resolve(defaultGpu);
  opening ??= createDevice(options)
    .then((g) => (defaultGpu = g))
    .finally(() => (opening = null));
  return opening;
}

/** The default device; throws if `init()` has not been awaited. */
export function gpu(): Gpu {
  if (!defaultGpu) throw new Error('webrnn: no device yet; call `await init()` first');
  if (defaultGpu.lost) throw defaultGpu.lost;
  return defaultGpu;
}

/** A value kept per device and made on first use (for the default device when none is given). */
export function perDevice<T>(make: (g: Gpu) => T): (g?: Gpu) => T {
  const made = new WeakMap<Gpu, T>();
  return (g = gpu()) => {
    let v = made.get(g);
    if (v === undefined) made.set(g, (v = make(g)));
    return v;
  };
}

/** What the default device runs on. */
export function adapterInfo(): AdapterInfo {
  return gpu().info;
}

/** Creates a new, independent device. */
export async function createDevice(options: InitOptions = {}): Promise<Gpu> {
  checkOptions('init', options, INIT_OPTIONS);
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) {
    const adapter = await nav.gpu.requestAdapter({ powerPreference: options.powerPreference });
    if (!adapter) throw new Error('webrnn: WebGPU is present but no adapter was found (is hardware acceleration disabled?)');
    return openDevice(adapter, await hostThreads(), inNode());
  }
  if (!inNode()) {
    throw new Error('webrnn: WebGPU is not available here (navigator.gpu is missing). Use a browser with WebGPU, e.g. Chrome 113+.');
  }
  return openDevice(await nodeAdapter(options), await hostThreads(), true);
}

/** Node, where navigator.gpu (if any) is Dawn's, set up by hand: its waits poll (wait.ts). */
function inNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

/** Logical CPUs: the browser's navigator.hardwareConcurrency, else Node's (also where a
 *  navigator without it was set up by hand, as Dawn's navigator.gpu in Node). */
async function hostThreads(): Promise<number> {
  const reported = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (reported) return reported;
  if (!inNode()) return 4;
  const osName = 'node:os'; // a variable keeps browser bundlers from resolving it
  const os = (await import(/* @vite-ignore */ osName)) as typeof import('node:os');
  return os.availableParallelism?.() ?? os.cpus().length;
}

/** Vulkan ICDs of software drivers that Dawn can use when there is no GPU. */
const SOFTWARE_ICDS = [
  '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json',
  '/usr/share/vulkan/icd.d/lvp_icd.json',
  '/usr/share/vulkan/icd.d/lvp_icd.aarch64.json',
  '/usr/lib/chromium/vk_swiftshader_icd.json',
];

async function nodeAdapter(options: InitOptions): Promise<GPUAdapter> {
  const moduleName = 'webgpu'; // a variable keeps browser bundlers from resolving it
  // An optional peer dependency of the package: browser users never download Dawn.
  const dawn = (await import(/* @vite-ignore */ moduleName).catch((e: Error & { code?: string }) => {
    throw new Error(e.code === 'ERR_MODULE_NOT_FOUND'
      ? 'webrnn: WebGPU in Node needs the `webgpu` package (Dawn), an optional peer dependency: run `npm i webgpu`'
      : `webrnn: the \`webgpu\` package (Dawn) failed to load: ${e.message}`);
  })) as {
    create: (flags: string[]) => GPU;
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, dawn.globals);
  const request = async () => {
    const gpu = dawn.create([]);
    keepAlive.push(gpu);
    // Dawn prints two notices of no use to anyone when it finds the adapter (native_stderr.ts).
    return withNativeStderrFiltered(() => gpu.requestAdapter({ powerPreference: options.powerPreference, forceFallbackAdapter: false }));
  };
  if (!options.forceSoftware) {
    const adapter = await request();
    if (adapter) return adapter;
  }
  const fsName = 'node:fs';
  const { existsSync } = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
  for (const icd of SOFTWARE_ICDS.filter((f) => existsSync(f))) {
    process.env.VK_ICD_FILENAMES = icd;
    process.env.VK_DRIVER_FILES = icd;
    const adapter = await request();
    if (adapter) return adapter;
  }
  throw new Error(
    'webrnn: no WebGPU adapter found. Without a GPU, install a software Vulkan driver: ' +
      'on Debian/Ubuntu `apt-get install mesa-vulkan-drivers` (Mesa 23+, lavapipe; on bookworm take it from ' +
      'bookworm-backports), or Chromium (`apt-get install chromium`, SwiftShader ICD).',
  );
}

/** Devices opened so far, to number their labels. */
let devicesOpened = 0;

// Dawn's GPU object must outlive its adapters and devices.
const keepAlive: GPU[] = [];

async function openDevice(adapter: GPUAdapter, hostThreads: number, pollsWhileWaiting: boolean): Promise<Gpu> {
  const want: GPUFeatureName[] = ['timestamp-query', 'shader-f16', 'subgroups'];
  const requiredFeatures = want.filter((f) => adapter.features.has(f));
  const a = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
    maxBufferSize: a.maxBufferSize,
    maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: a.maxComputeWorkgroupSizeY,
    maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
  };
  const label = `webrnn device #${++devicesOpened}`;
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label });
  const info = describe(adapter);
  const gpu: Gpu = {
    label,
    device,
    adapter,
    info,
    features: {
      timestampQuery: device.features.has('timestamp-query'),
      shaderF16: device.features.has('shader-f16'),
      subgroups: device.features.has('subgroups'),
    },
    limits: device.limits,
    hostThreads,
    pollsWhileWaiting,
    lost: null,
    pendingErrors: [],
    tuning: {},
  };
  device.lost.then((e) => {
    gpu.lost ??= new Error(`webrnn: ${label} was lost (${e.reason}): ${e.message}`);
  });
  // device.lost settles only later: mark a destroyed device lost at once, so that its tensors
  // are refused before they reach a command encoder of the next device.
  const destroy = device.destroy.bind(device);
  device.destroy = () => {
    gpu.lost ??= new Error(`webrnn: ${label} was lost (destroyed)`);
    destroy();
  };
  device.addEventListener('uncapturederror', (ev) => {
    gpu.pendingErrors.push((ev as GPUUncapturedErrorEvent).error.message);
  });
  return gpu;
}

function describe(adapter: GPUAdapter): AdapterInfo {
  const i = adapter.info;
  const text = `${i.vendor} ${i.architecture} ${i.device} ${i.description}`.toLowerCase();
  const isSoftware = /llvmpipe|lavapipe|swiftshader|software|warp|cpu/.test(text) ||
    (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const name = [i.description || i.device || i.architecture, i.vendor && `(${i.vendor})`].filter(Boolean).join(' ');
  return {
    vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
    isSoftware, name: name || 'unknown adapter',
  };
}

/** Throws (once) what the device reported since the last check, naming the kernels involved. */
export function throwPendingErrors(g: Gpu): void {
  if (g.lost) throw g.lost;
  if (g.pendingErrors.length) {
    const msgs = g.pendingErrors.splice(0);
    throw new Error(`webrnn: the GPU reported an error: ${msgs.join('\n')}`);
  }
}
