// A tiny static file server (node:http) over the repository root, so the demo pages and the
// browser tests can load /dist/esm/index.js; /demos/<name>/ is the one demo page template with
// the name filled in. `node scripts/serve.mjs` listens on $PORT (default 8080) on $HOST (default
// 127.0.0.1); tests import `serve()` and pass port 0.
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Content types by extension; anything else is served as bytes. */
export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wgsl': 'text/plain; charset=utf-8',
};

/**
 * Starts serving `root` (default: the repository root) and resolves once it listens.
 * Port 0 picks a free port. Returns the base URL (ending in `/`) and `close()`.
 * @param {{ root?: string, port?: number, host?: string, log?: boolean }} [options]
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function serve({ root = repoRoot, port = 0, host = '127.0.0.1', log = false } = {}) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    handle(base, req, res).catch((e) => send(res, 500, `500 ${e instanceof Error ? e.message : e}`));
    if (log) res.on('finish', () => console.log(`${res.statusCode} ${req.method} ${req.url}`));
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok(undefined));
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actualPort}/`,
    port: actualPort,
    // Browsers keep connections alive; drop them so close() does not wait for their timeout.
    close: () => new Promise((ok) => { server.close(() => ok()); server.closeAllConnections(); }),
  };
}

/** @param {string} base @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
async function handle(base, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, '405 only GET and HEAD');
  const url = new URL(req.url ?? '/', 'http://localhost');
  let path;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return send(res, 400, '400 bad path encoding');
  }
  // Resolve inside `base` only: `..` segments and NUL bytes must not escape the root.
  const file = resolve(join(base, path));
  if (path.includes('\0') || (file !== base && !file.startsWith(base + sep))) return send(res, 403, '403 outside root');
  const demo = DEMO_PAGE.exec(url.pathname)?.[1];
  if (demo && (await stat(join(base, 'demos', demo, 'browser.ts')).catch(() => null))) return sendDemoPage(base, demo, req, res);
  let info = await stat(file).catch(() => null);
  let target = file;
  if (info?.isDirectory()) {
    // Relative links in an index page need the trailing slash.
    if (!url.pathname.endsWith('/')) {
      res.writeHead(301, { Location: `${url.pathname}/${url.search}` });
      return res.end();
    }
    target = join(file, 'index.html');
    info = await stat(target).catch(() => null);
  }
  if (!info?.isFile()) return send(res, 404, `404 not found: ${path}`);
  res.writeHead(200, {
    'Content-Type': MIME_TYPES[/** @type {keyof MIME_TYPES} */ (extname(target).toLowerCase())] ?? 'application/octet-stream',
    'Content-Length': info.size,
    // A development server: always serve the bundle just built.
    'Cache-Control': 'no-store',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(target).on('error', () => res.destroy()).pipe(res);
}

/** A demo's page, /demos/<name>/: every demo folder with a browser.ts shares one page template. */
const DEMO_PAGE = /^\/demos\/([a-z0-9-]+)\/(?:index\.html)?$/;

/**
 * Serves demos/common/page.html with the demo's name filled in.
 * @param {string} base @param {string} name @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
 */
async function sendDemoPage(base, name, req, res) {
  const page = Buffer.from((await readFile(join(base, 'demos/common/page.html'), 'utf8')).replaceAll('{{name}}', name));
  res.writeHead(200, { 'Content-Type': MIME_TYPES['.html'], 'Content-Length': page.length, 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : page);
}

/** @param {import('node:http').ServerResponse} res @param {number} status @param {string} text */
function send(res, status, text) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text + '\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: PORT must be an integer in 0..65535, got ${JSON.stringify(process.env.PORT)}`);
    process.exit(1);
  }
  const { url } = await serve({ port, host: process.env.HOST ?? '127.0.0.1', log: true });
  console.log(`webrnn: serving ${repoRoot} at ${url}  (demos: ${url}demos/)`);
}
