import { join } from 'node:path';

/**
 * nginx.conf for a private nginx (tests and benches): its own prefix `dir` for pid, logs and
 * temp paths, one worker, no access log, `return 200 body` on 127.0.0.1:port.
 */
export function nginxConfig(dir: string, port: number, body: string, workerConnections = 256): string {
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
    listen 127.0.0.1:${port};
    location / { return 200 ${JSON.stringify(body)}; }
  }
}
`;
}

/** The arguments that run nginx in the foreground with that config. */
export function nginxArgs(dir: string): string[] {
  return ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
}
