import { connect } from 'node:net';

/**
 * A PostgreSQL frontend written message by message, for conversations no driver has: a batch
 * (extended protocol, Flush but no Sync) left open. Trust authentication only (startPostgres).
 */
export interface PgWire {
  /** A simple Query; resolves at its ReadyForQuery. */
  query(sql: string): Promise<void>;
  /** Parse/Bind/Execute of an unnamed statement, then Flush (no Sync); resolves at its CommandComplete. */
  executeFlushed(sql: string): Promise<void>;
  /** Sync, then Terminate; resolves when the server closed. */
  close(): Promise<void>;
}

const message = (type: string, body: Buffer): Buffer => {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
};
const cstring = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');

export async function pgWireConnect(port: number, user = 'postgres', database = 'postgres'): Promise<PgWire> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  let pending = Buffer.alloc(0);
  /** Backend messages received, by type; and how many of each a caller already waited for. */
  const received = new Map<string, number>();
  const consumed = new Map<string, number>();
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  socket.on('data', (data: Buffer) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 5) {
      const length = pending.readUInt32BE(1);
      if (pending.length < 1 + length) break;
      const type = String.fromCharCode(pending[0] ?? 0);
      if (type === 'E') failure = new Error(`ErrorResponse: ${pending.subarray(5, 1 + length).toString('latin1').replace(/\0/g, ' ')}`);
      received.set(type, (received.get(type) ?? 0) + 1);
      pending = pending.subarray(1 + length);
    }
    wake?.();
  });
  socket.on('error', (e) => { failure = e; wake?.(); });
  socket.on('close', () => { failure ??= new Error('the server closed the connection'); wake?.(); });

  /** Waits for the next backend message of `type` (one not waited for before). */
  const next = (what: string, type: string, timeoutMs = 10_000): Promise<void> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => { wake = null; reject(new Error(`timed out waiting for ${what}`)); }, timeoutMs);
    const check = (): void => {
      if (failure !== null) { clearTimeout(timer); wake = null; reject(new Error(`${what}: ${failure.message}`)); return; }
      if ((received.get(type) ?? 0) > (consumed.get(type) ?? 0)) {
        consumed.set(type, (consumed.get(type) ?? 0) + 1);
        clearTimeout(timer);
        wake = null;
        resolve();
      }
    };
    wake = check;
    check();
  });
  /** Messages of `type` that came with an answer already waited for (a simple query's CommandComplete). */
  const catchUp = (type: string): void => { consumed.set(type, received.get(type) ?? 0); };

  const startup = Buffer.concat([Buffer.from([0, 3, 0, 0]), cstring('user'), cstring(user), cstring('database'), cstring(database), Buffer.from([0])]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(startup.length + 4);
  socket.write(Buffer.concat([length, startup]));
  await next('startup', 'Z');
  return {
    async query(sql) {
      socket.write(message('Q', cstring(sql)));
      await next(`query ${sql}`, 'Z');
      catchUp('C');
    },
    async executeFlushed(sql) {
      socket.write(Buffer.concat([
        message('P', Buffer.concat([cstring(''), cstring(sql), Buffer.from([0, 0])])),
        message('B', Buffer.concat([cstring(''), cstring(''), Buffer.from([0, 0, 0, 0, 0, 0])])),
        message('E', Buffer.concat([cstring(''), Buffer.from([0, 0, 0, 0])])),
        message('H', Buffer.alloc(0)),
      ]));
      await next(`execute ${sql}`, 'C');
    },
    async close() {
      socket.end(Buffer.concat([message('S', Buffer.alloc(0)), message('X', Buffer.alloc(0))]));
      await new Promise<void>((resolve) => {
        if (socket.closed) resolve();
        else socket.once('close', () => resolve());
      });
    },
  };
}
