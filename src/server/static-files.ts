import { createReadStream, realpathSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * vendor/ holds third-party files that change only with a sonde upgrade; a week of caching spares
 * reloads without pinning an old copy for long. Everything else revalidates: the app's own
 * modules are not content-hashed, and a stale mix of them would break the page.
 */
const VENDOR_CACHE = 'public, max-age=604800';
const NO_CACHE = 'no-cache';

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under `root` that a URL path names, or null. `pathname` is the raw (still
 * percent-encoded) path of the request. Rejects `..` segments in either spelling, backslashes,
 * NUL bytes and malformed escapes, and follows symlinks only while they stay inside root.
 */
export function resolveStatic(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return null;
  if (segments.length === 0) segments.push('index.html');
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(join(realRoot, ...segments));
  } catch {
    return null;
  }
  if (!real.startsWith(realRoot + sep)) return null;
  try {
    if (!statSync(real).isFile()) return null;
  } catch {
    return null;
  }
  return real;
}

/**
 * Serves the file `pathname` names under `root` (the built UI, dist/ui); `/` is index.html.
 * Returns false, having written nothing, when no file matches, so the caller can answer 404.
 */
export function serveStatic(root: string, pathname: string, res: ServerResponse): boolean {
  const file = resolveStatic(root, pathname);
  if (file === null) return false;
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return false;
  }
  const vendor = file.startsWith(join(realpathSync(root), 'vendor') + sep);
  res.writeHead(200, {
    'content-type': contentTypeFor(file),
    'content-length': size,
    'cache-control': vendor ? VENDOR_CACHE : NO_CACHE,
    'x-content-type-options': 'nosniff',
  });
  const stream = createReadStream(file);
  // Headers are gone already: a read error can only cut the response short.
  stream.on('error', () => res.destroy());
  stream.pipe(res);
  return true;
}
