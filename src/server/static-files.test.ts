import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentTypeFor, resolveStatic, serveStatic } from './static-files.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends the path byte for byte: fetch() and URL would normalise `..` before it leaves. */
function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3]);

describe('serveStatic', () => {
  let dir: string;
  let root: string;
  let server: Server;
  let port: number;
  let wroteBeforeFalse = false;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sonde-static-'));
    root = join(dir, 'ui');
    mkdirSync(join(root, 'vendor'), { recursive: true });
    mkdirSync(join(root, 'pages'));
    mkdirSync(join(dir, 'outside'));
    writeFileSync(join(dir, 'secret.txt'), 'SECRET');
    writeFileSync(join(dir, 'outside', 'secret.txt'), 'SECRET');
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>sonde</title>');
    writeFileSync(join(root, 'main.js'), 'export const x = 1;\n');
    writeFileSync(join(root, 'main.js.map'), '{"version":3}');
    writeFileSync(join(root, 'app.css'), 'body{}');
    writeFileSync(join(root, 'favicon.svg'), '<svg/>');
    writeFileSync(join(root, 'logo.png'), PNG);
    writeFileSync(join(root, 'data.json'), '{}');
    writeFileSync(join(root, 'pages', 'overview.js'), 'export {};\n');
    writeFileSync(join(root, 'vendor', 'uPlot.iife.min.js'), 'var uPlot;');
    writeFileSync(join(root, 'a file.js'), '1');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link-out.txt'));
    symlinkSync(join(dir, 'outside'), join(root, 'outdir'));
    symlinkSync(join(root, 'index.html'), join(root, 'alias.html'));
    server = createServer((req, res) => {
      const pathname = (req.url ?? '/').split('?')[0] ?? '/';
      if (serveStatic(root, pathname, res)) return;
      if (res.headersSent) wroteBeforeFalse = true;
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const served: { name: string; path: string; type: string; body: string | Buffer; cache: RegExp }[] = [
    { name: 'root is index.html', path: '/', type: 'text/html; charset=utf-8', body: '<!doctype html><title>sonde</title>', cache: /^no-cache$/ },
    { name: 'index.html by name', path: '/index.html', type: 'text/html; charset=utf-8', body: '<!doctype html><title>sonde</title>', cache: /^no-cache$/ },
    { name: 'module', path: '/main.js', type: 'text/javascript; charset=utf-8', body: 'export const x = 1;\n', cache: /^no-cache$/ },
    { name: 'source map', path: '/main.js.map', type: 'application/json; charset=utf-8', body: '{"version":3}', cache: /^no-cache$/ },
    { name: 'stylesheet', path: '/app.css', type: 'text/css; charset=utf-8', body: 'body{}', cache: /^no-cache$/ },
    { name: 'svg', path: '/favicon.svg', type: 'image/svg+xml', body: '<svg/>', cache: /^no-cache$/ },
    { name: 'png', path: '/logo.png', type: 'image/png', body: PNG, cache: /^no-cache$/ },
    { name: 'json', path: '/data.json', type: 'application/json; charset=utf-8', body: '{}', cache: /^no-cache$/ },
    { name: 'nested module', path: '/pages/overview.js', type: 'text/javascript; charset=utf-8', body: 'export {};\n', cache: /^no-cache$/ },
    { name: 'vendor file cached long', path: '/vendor/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8', body: 'var uPlot;', cache: /max-age=\d{6,}/ },
    { name: 'percent-encoded name', path: '/a%20file.js', type: 'text/javascript; charset=utf-8', body: '1', cache: /^no-cache$/ },
    { name: 'dot segment', path: '/./main.js', type: 'text/javascript; charset=utf-8', body: 'export const x = 1;\n', cache: /^no-cache$/ },
    { name: 'symlink inside root', path: '/alias.html', type: 'text/html; charset=utf-8', body: '<!doctype html><title>sonde</title>', cache: /^no-cache$/ },
  ];
  for (const c of served) {
    it(`serves: ${c.name}`, async () => {
      const r = await get(port, c.path);
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], c.type);
      assert.match(String(r.headers['cache-control']), c.cache);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      const expected = Buffer.isBuffer(c.body) ? c.body : Buffer.from(c.body);
      assert.equal(r.headers['content-length'], String(expected.length));
      assert.deepEqual(r.body, expected);
    });
  }

  const refused: { name: string; path: string }[] = [
    { name: 'missing file', path: '/nope.js' },
    { name: 'directory', path: '/pages' },
    { name: 'directory with slash', path: '/pages/' },
    { name: 'plain traversal', path: '/../secret.txt' },
    { name: 'traversal after a folder', path: '/vendor/../../secret.txt' },
    { name: 'encoded dots', path: '/%2e%2e/secret.txt' },
    { name: 'encoded dots upper case', path: '/%2E%2E/secret.txt' },
    { name: 'encoded slash', path: '/..%2fsecret.txt' },
    { name: 'fully encoded', path: '/%2e%2e%2f%2e%2e%2fsecret.txt' },
    { name: 'double encoded stays literal', path: '/%252e%252e/secret.txt' },
    { name: 'backslash', path: '/..\\secret.txt' },
    { name: 'encoded backslash', path: '/%5c..%5csecret.txt' },
    { name: 'NUL byte', path: '/index.html%00.js' },
    { name: 'malformed escape', path: '/%zz.js' },
    { name: 'symlink to a file outside', path: '/link-out.txt' },
    { name: 'symlink to a folder outside', path: '/outdir/secret.txt' },
  ];
  for (const c of refused) {
    it(`refuses: ${c.name}`, async () => {
      const r = await get(port, c.path);
      assert.equal(r.status, 404);
      assert.equal(r.body.toString(), 'not found');
      assert.equal(wroteBeforeFalse, false, 'serveStatic wrote to the response yet returned false');
    });
  }

  it('answers HEAD with headers and no body', async () => {
    const r = await get(port, '/main.js', 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], String('export const x = 1;\n'.length));
    assert.equal(r.body.length, 0);
  });

  it('returns false for a root that does not exist', () => {
    assert.equal(resolveStatic(join(dir, 'no-such-root'), '/'), null);
  });
});

describe('contentTypeFor', () => {
  const cases: { name: string; path: string; type: string }[] = [
    { name: 'html', path: 'index.html', type: 'text/html; charset=utf-8' },
    { name: 'upper-case extension', path: 'INDEX.HTML', type: 'text/html; charset=utf-8' },
    { name: 'js', path: 'a/b.js', type: 'text/javascript; charset=utf-8' },
    { name: 'map', path: 'b.js.map', type: 'application/json; charset=utf-8' },
    { name: 'unknown', path: 'blob.bin', type: 'application/octet-stream' },
    { name: 'no extension', path: 'LICENSE', type: 'application/octet-stream' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(contentTypeFor(c.path), c.type));
});
