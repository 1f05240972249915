// Browser-test helpers: build the browser bundle, serve the repository root on 127.0.0.1, launch
// the system Chromium (never a downloaded one) headless with WebGPU on SwiftShader, open pages
// that report 'ready' or 'error' via document.body.dataset.state, and tear everything down.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';
import { BASE_FLAGS, CHROMIUM_PATH, NO_ADAPTER_FLAGS, WEBGPU_FLAGS } from './flags.js';
// @ts-expect-error -- scripts/serve.mjs is plain JavaScript (run by node directly); typed below.
import { serve as serveUntyped } from '../../scripts/serve.mjs';

declare global {
  interface Window {
    /** The library as the harness page loaded it from /dist/esm/index.js. */
    webrnn: typeof import('../../src/index.js');
  }
}

interface StaticServer {
  url: string;
  port: number;
  close(): Promise<void>;
}
const serve = serveUntyped as (o: { root?: string; port?: number; host?: string }) => Promise<StaticServer>;

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export { CHROMIUM_PATH } from './flags.js';

export const LAUNCH_TIMEOUT_MS = 20_000;
/** Default for page operations (navigation, evaluate waits, screenshots). */
export const PAGE_TIMEOUT_MS = 20_000;

/** Rebuilds dist/esm (the library modules) with build.mjs; takes well under a second. */
export function buildBundle(): void {
  execFileSync(process.execPath, ['build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

export interface LaunchOptions {
  /** 'swiftshader' (default): WebGPU on SwiftShader; 'no-adapter': WebGPU API without an adapter. */
  webgpu?: 'swiftshader' | 'no-adapter';
  extraArgs?: string[];
}

/** A running Chromium plus the static server its pages come from. */
export interface BrowserSession {
  context: BrowserContext;
  /** Base URL of the server, ending in '/'; page paths are relative to the repository root. */
  baseUrl: string;
  args: string[];
  /** Opens `path` and waits until the page reports 'ready' or 'error'. */
  open(path: string, options?: OpenOptions): Promise<OpenedPage>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Deletes navigator.gpu before any page script runs: a browser without WebGPU. */
  hideWebGpu?: boolean;
  timeoutMs?: number;
}

export interface OpenedPage {
  page: Page;
  state: 'ready' | 'error';
  /** The page's #status text: the adapter when ready, the error message otherwise. */
  status: string;
  /** Console errors and uncaught exceptions seen so far, for failure messages. */
  problems: string[];
}

/** Fails with install instructions when Chromium is missing; a test must fail, not skip, then. */
export function assertChromium(path = CHROMIUM_PATH): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium not found (or not executable) at ${path}: the browser tests need it. ` +
        'Install it with `bash scripts/setup.sh` (Debian: `apt-get install chromium`), ' +
        'or point CHROMIUM_PATH at a Chromium/Chrome binary.',
    );
  }
}

/** Starts the static server and Chromium with a fresh profile in a temp dir. */
export async function startBrowser(options: LaunchOptions = {}): Promise<BrowserSession> {
  assertChromium();
  const args = [
    ...BASE_FLAGS,
    ...(options.webgpu === 'no-adapter' ? NO_ADAPTER_FLAGS : WEBGPU_FLAGS),
    ...(options.extraArgs ?? []),
  ];
  const server = await serve({ root: REPO_ROOT, port: 0, host: '127.0.0.1' });
  const profile = mkdtempSync(join(tmpdir(), 'webrnn-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args,
      timeout: LAUNCH_TIMEOUT_MS,
      viewport: { width: 900, height: 600 },
    });
  } catch (e) {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`could not launch ${CHROMIUM_PATH} with ${args.join(' ')}: ${(e as Error).message}`);
  }
  context.setDefaultTimeout(PAGE_TIMEOUT_MS);
  return {
    context,
    baseUrl: server.url,
    args,
    open: (path, o) => openPage(context, new URL(path, server.url).href, o),
    async close() {
      // A wedged browser must not hang the suite: give close() a bound, then clean up anyway.
      await Promise.race([context.close().catch(() => {}), new Promise((ok) => setTimeout(ok, 10_000))]);
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A describe block whose tests share a Chromium that has the WebGPU API but no adapter (what a
 * blocklisted GPU looks like); `body` gets the session through a getter, as it starts in beforeAll.
 */
export function describeWithoutAdapter(name: string, body: (session: () => BrowserSession) => void): void {
  describe(name, () => {
    let session: BrowserSession;
    beforeAll(async () => {
      session = await startBrowser({ webgpu: 'no-adapter' });
    }, 30_000);
    afterAll(async () => {
      await session?.close();
    });
    body(() => session);
  });
}

async function openPage(context: BrowserContext, url: string, o: OpenOptions = {}): Promise<OpenedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  if (o.hideWebGpu) {
    await page.addInitScript(() => {
      delete (Navigator.prototype as { gpu?: unknown }).gpu;
    });
  }
  const timeout = o.timeoutMs ?? PAGE_TIMEOUT_MS;
  await page.goto(url, { timeout });
  try {
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body?.dataset.state ?? ''), null, { timeout });
  } catch (e) {
    throw new Error(`${url} did not report ready/error within ${timeout} ms (${(e as Error).message}); ` +
      `page problems: ${problems.join(' | ') || 'none'}`);
  }
  const state = (await page.evaluate(() => document.body.dataset.state)) as 'ready' | 'error';
  const status = (await page.locator('#status').textContent()) ?? '';
  return { page, state, status, problems };
}

/**
 * Runs `fn(window.webrnn)` in the page and returns its (JSON-like) result, failing after
 * `timeoutMs`: page.evaluate has no timeout of its own, and a wedged GPU queue must not hang CI.
 * `fn` is sent as source text, so it may use only its argument (no imports, no closures).
 */
export async function runInPage<T>(page: Page, fn: (webrnn: Window['webrnn']) => Promise<T>, timeoutMs = PAGE_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`page function did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([page.evaluate(`(${fn.toString()})(window.webrnn)`) as Promise<T>, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Saves a full-page screenshot under test-results/ and prints its path for CI logs. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(REPO_ROOT, 'test-results', name);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}
