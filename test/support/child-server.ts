import { spawn } from 'node:child_process';

export interface ChildServer {
  pid: number;
  port: number;
  /** stderr so far, for failure messages. */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Runs a test server as its own process (so it is not the agent's pid) and waits for the one
 * JSON line it prints once listening: {"port": N}.
 */
export async function startChildServer(command: string, args: readonly string[], timeoutMs = 10_000): Promise<ChildServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => { err += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not report its port within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        const parsed = JSON.parse(out.slice(0, nl)) as { port?: unknown };
        if (typeof parsed.port !== 'number' || parsed.port <= 0) throw new Error(`no port in ${out.slice(0, nl)}`);
        resolve(parsed.port);
      } catch (e) {
        child.kill('SIGKILL');
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited (${code ?? signal}) before listening: ${err}`));
    });
  });
  return {
    pid: child.pid ?? 0,
    port,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    },
  };
}
