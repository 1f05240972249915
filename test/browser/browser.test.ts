// The library's ES modules (dist/esm/index.js) in a bare page of headless Chromium: init() finds the
// SwiftShader adapter, and a browser without WebGPU, or without an adapter, gets an error that
// names what is missing. The kernels themselves run in Chromium in the `chromium` vitest project.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildBundle, describeWithoutAdapter, startBrowser, type BrowserSession, type OpenedPage } from './chromium.js';

const HARNESS = 'test/browser/harness.html';

// The page imports the bundle, so build it from the current sources first.
beforeAll(() => buildBundle());

describe('browser bundle (headless Chromium, WebGPU on SwiftShader)', () => {
  let session: BrowserSession;
  let opened: OpenedPage;

  beforeAll(async () => {
    session = await startBrowser();
    opened = await session.open(HARNESS);
  }, 45_000);

  afterAll(async () => {
    await session?.close();
  });

  test('the bundle loads and init() finds a WebGPU adapter', async () => {
    expect(opened.state, `${opened.status}; ${opened.problems.join(' | ')}`).toBe('ready');
    const info = await opened.page.evaluate(() => window.webrnn.adapterInfo());
    console.log(`chromium adapter: ${info.name} (software: ${info.isSoftware}); flags: ${session.args.join(' ')}`);
    expect(info.name.length).toBeGreaterThan(0);
    expect(info.isSoftware).toBe(true); // SwiftShader, pinned by --use-webgpu-adapter
    expect(opened.status).toContain(info.name);
  });

  test('a page without navigator.gpu shows an error that names WebGPU', async () => {
    const page = await session.open(HARNESS, { hideWebGpu: true });
    try {
      expect(page.state).toBe('error');
      expect(page.status).toMatch(/WebGPU/);
      expect(page.status).toMatch(/navigator\.gpu/);
      expect(await page.page.locator('#status').isVisible()).toBe(true);
    } finally {
      await page.page.close();
    }
  });
});

describeWithoutAdapter('browser with WebGPU but no adapter', (session) => {
  test('init() fails with a message that names WebGPU and the missing adapter', async () => {
    const page = await session().open(HARNESS);
    expect(page.state, page.status).toBe('error');
    expect(page.status).toMatch(/WebGPU/);
    expect(page.status).toMatch(/adapter/);
  });
});
