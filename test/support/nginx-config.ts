import { join } from 'node:path';

/** Certificate and key files (PEM) for an nginx serving TLS. */
export interface NginxTls {
  cert: string;
  key: string;
}

/** How the listener speaks: plain HTTP/1 (default), TLS with HTTP/2 by ALPN (and HTTP/1.1), or h2c by prior knowledge. */
export type NginxListen = { tls: NginxTls } | { h2c: true } | Record<string, never>;

function listenDirectives(port: number, listen: NginxListen): string {
  if ('tls' in listen) {
    return `listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${listen.tls.cert};
    ssl_certificate_key ${listen.tls.key};
    keepalive_requests 1000000;`;
  }
  if ('h2c' in listen) return `listen 127.0.0.1:${port} http2;`;
  return `listen 127.0.0.1:${port};`;
}

/**
 * nginx.conf for a private nginx (tests and benches): its own prefix `dir` for pid, logs and
 * temp paths, one worker, no access log, `return 200 body` on 127.0.0.1:port (and `return 404`
 * under /missing).
 */
export function nginxConfig(dir: string, port: number, body: string, workerConnections = 256, listen: NginxListen = {}): string {
  return `
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${workerConnections}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    ${listenDirectives(port, listen)}
    location / { return 200 ${JSON.stringify(body)}; }
    location /missing { return 404 "missing\n"; }
  }
}
`;
}

/** The arguments that run nginx in the foreground with that config. */
export function nginxArgs(dir: string): string[] {
  return ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
}
