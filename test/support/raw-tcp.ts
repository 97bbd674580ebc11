import { connect, type Socket } from 'node:net';

/** A plain TCP client for byte-exact conversations (pipelining, upgrades, binary traffic). */
export interface RawConnection {
  localPort: number;
  /** One write() call: one send(2) of all these bytes. */
  write(bytes: Buffer | string): void;
  /** Waits until the bytes received so far satisfy `done`; returns them all. */
  readUntil(what: string, done: (received: Buffer) => boolean, timeoutMs?: number): Promise<Buffer>;
  /** Half-closes, waits for the server to close too, returns everything received. */
  close(timeoutMs?: number): Promise<Buffer>;
}

export async function rawConnect(host: string, port: number): Promise<RawConnection> {
  const socket: Socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  const chunks: Buffer[] = [];
  let ended = false;
  let error: Error | null = null;
  const waiters = new Set<() => void>();
  const wake = (): void => { for (const w of [...waiters]) w(); };
  socket.on('data', (d: Buffer) => { chunks.push(d); wake(); });
  socket.on('end', () => { ended = true; wake(); });
  socket.on('error', (e) => { error = e; wake(); });
  socket.on('close', () => { ended = true; wake(); });
  const received = (): Buffer => Buffer.concat(chunks);

  const until = (what: string, done: () => boolean, timeoutMs: number): Promise<void> => new Promise((resolve, reject) => {
    const check = (): void => {
      if (done()) { cleanup(); resolve(); return; }
      if (error !== null) { cleanup(); reject(new Error(`${what}: ${String(error)}`)); return; }
      if (ended) { cleanup(); reject(new Error(`${what}: the server closed after ${received().length} bytes`)); }
    };
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${received().length} bytes received)`)); }, timeoutMs);
    const cleanup = (): void => { clearTimeout(timer); waiters.delete(check); };
    waiters.add(check);
    check();
  });

  return {
    localPort: socket.localPort ?? 0,
    write: (bytes) => { socket.write(bytes); },
    readUntil: async (what, done, timeoutMs = 10_000) => {
      await until(what, () => done(received()), timeoutMs);
      return received();
    },
    close: async (timeoutMs = 10_000) => {
      socket.end();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { socket.destroy(); reject(new Error(`timed out after ${timeoutMs} ms waiting for the server to close`)); }, timeoutMs);
        const done = (): void => { clearTimeout(timer); resolve(); };
        if (socket.closed) done();
        else socket.once('close', done);
      });
      return received();
    },
  };
}
