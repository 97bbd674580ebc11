import { createServer, type Server } from 'node:http';

/** Liveness and readiness on their own port, so probes never queue behind API work. */
export function createHealthServer(isReady: () => { ready: boolean; detail: string }): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    } else if (path === '/readyz') {
      const { ready, detail } = isReady();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(`${ready ? 'ready' : 'not ready'}: ${detail}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: try /healthz or /readyz\n');
    }
  });
}
