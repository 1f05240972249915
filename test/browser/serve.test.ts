// The static server behind the browser tests and `npm run serve`: content types, directory
// index pages, and no way out of the served root. Node only, no browser.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error -- scripts/serve.mjs is plain JavaScript; its shape is checked by these tests.
import { serve } from '../../scripts/serve.mjs';
import { REPO_ROOT } from './chromium.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so paths like /%2e%2e/ reach the server unnormalized. */
function get(base: string, path: string, method = 'GET'): Promise<Reply> {
  const u = new URL(base);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout on ${path}`)));
    req.on('error', fail);
    req.end();
  });
}

describe('scripts/serve.mjs', () => {
  let outer: string;
  let root: string;
  let server: { url: string; port: number; close(): Promise<void> };
  const files: Record<string, [string, string]> = {
    'a.html': ['<p>a</p>', 'text/html; charset=utf-8'],
    'a.js': ['export const a = 1;', 'text/javascript; charset=utf-8'],
    'a.css': ['p {}', 'text/css; charset=utf-8'],
    'a.wasm': ['\0asm', 'application/wasm'],
    'a.png': ['\x89PNG', 'image/png'],
    'a.bin': ['\x01\x02', 'application/octet-stream'],
  };

  beforeAll(async () => {
    // Serve outer/www; outer/secret.txt sits just outside the root.
    outer = mkdtempSync(join(tmpdir(), 'webrnn-serve-'));
    root = join(outer, 'www');
    mkdirSync(root);
    writeFileSync(join(outer, 'secret.txt'), 'SECRET');
    for (const [name, [body]] of Object.entries(files)) writeFileSync(join(root, name), body, 'latin1');
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'index.html'), '<p>index</p>');
    mkdirSync(join(root, 'noindex'));
    mkdirSync(join(root, 'demos/common'), { recursive: true });
    mkdirSync(join(root, 'demos/tiny'));
    writeFileSync(join(root, 'demos/common/page.html'), '<title>{{name}}</title><script src="{{name}}.js">');
    writeFileSync(join(root, 'demos/tiny/browser.ts'), '');
    server = await serve({ root, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(outer, { recursive: true, force: true });
  });

  test('listens on 127.0.0.1 on a free port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.port).toBeGreaterThan(0);
  });

  test.each(Object.keys(files))('serves %s with its content type and exact bytes', async (name) => {
    const [body, type] = files[name]!;
    const r = await get(server.url, `/${name}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(type);
    expect(r.body).toBe(body);
    expect(r.headers['cache-control']).toBe('no-store');
  });

  test('a directory redirects to its slash form and serves its index.html', async () => {
    const redirect = await get(server.url, '/sub?x=1');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/sub/?x=1');
    const index = await get(server.url, '/sub/');
    expect(index.status).toBe(200);
    expect(index.body).toBe('<p>index</p>');
  });

  test('a demo folder (one with a browser.ts) gets the page template with its name filled in', async () => {
    for (const path of ['/demos/tiny/', '/demos/tiny/index.html']) {
      const r = await get(server.url, path);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.body).toBe('<title>tiny</title><script src="tiny.js">');
    }
    expect((await get(server.url, '/demos/tiny')).status).toBe(301);
    expect((await get(server.url, '/demos/common/')).status).toBe(404);
  });

  test('missing files and index-less directories are 404', async () => {
    expect((await get(server.url, '/nope.js')).status).toBe(404);
    expect((await get(server.url, '/noindex/')).status).toBe(404);
  });

  test('paths cannot leave the root', async () => {
    // The URL parser folds %2e%2e segments (-> 404 inside the root); encoded slashes reach the
    // server's own check (-> 403). Either way the file outside is never sent.
    const attempts = { '/../secret.txt': 404, '/%2e%2e/secret.txt': 404, '/..%2fsecret.txt': 403, '/sub/..%2f..%2fsecret.txt': 403 };
    for (const [path, status] of Object.entries(attempts)) {
      const r = await get(server.url, path);
      expect(r.status, path).toBe(status);
      expect(r.body).not.toContain('SECRET');
    }
    expect((await get(server.url, '/%E0%A4%A')).status).toBe(400);
  });

  test('HEAD sends the headers only; other methods are refused', async () => {
    const head = await get(server.url, '/a.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(files['a.js']![0].length));
    expect(head.body).toBe('');
    expect((await get(server.url, '/a.js', 'POST')).status).toBe(405);
  });

  test('`node scripts/serve.mjs` prints the URL it listens on ($PORT)', async () => {
    const child = spawn(process.execPath, ['scripts/serve.mjs'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error('serve.mjs printed no URL within 10 s')), 10_000);
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) {
            clearTimeout(timer);
            ok(out);
          }
        });
        child.on('exit', (code) => fail(new Error(`serve.mjs exited with ${code}`)));
      });
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(line)?.[0];
      expect(url, line).toBeDefined();
      const r = await get(url!, '/demos/');
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    } finally {
      child.kill();
    }
  });
});
