// Kernel test: a keep-alive connection opened (and used) before the L7 probes attach is still
// recognised when it talks again. The probes give a socket's first data segment each way its
// chance to be recognised without leaving storage behind when it is not a protocol; a socket
// whose first segments passed before they attached must get its chance on the segments they
// do see (bpf/l7.bpf.c, first_data_segment).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { packageRoot } from '../src/kernel/package-root.js';
import { startChildServer, type ChildServer } from './support/child-server.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { rawConnect, type RawConnection } from './support/raw-tcp.js';
import { waitFor } from './support/wait.js';

const NODE_SERVER = join(packageRoot(), 'test', 'support', 'node-http-server.mjs');

const request = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
const responses = (n: number) => (b: Buffer): boolean => (b.toString('latin1').match(/HTTP\/1\.1 200/g) ?? []).length >= n;

describe('L7 capture of a connection opened before the probes attached', () => {
  let server: ChildServer | undefined;
  let conn: RawConnection | undefined;
  let flows: FlowPipeline | undefined;
  let l7: L7Pipeline | undefined;
  const exchanges: L7Exchange[] = [];

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    server = await startChildServer(process.execPath, [NODE_SERVER]);
    conn = await rawConnect('127.0.0.1', server.port);
    conn.write(request('/hello'));
    await conn.readUntil('the response before attaching', responses(1));
    flows = await FlowPipeline.start({ tableSize: 65536, rules: [], ownerEvents: true, onFlow: (r) => l7?.connectionClosed(r.socket_cookie) });
    l7 = L7Pipeline.start({
      flows: flows.correlator, captureBytes: 4096, maxSegmentsPerSecond: 10_000_000, redactSecrets: true,
      onExchange: (x) => exchanges.push(x),
    });
  });
  after(async () => {
    await conn?.close().catch(() => undefined);
    l7?.stop();
    flows?.stop();
    await server?.stop();
  });

  it('the next requests on it make exchanges on both sides', async (t) => {
    if (!requireKernel(t) || conn === undefined || server === undefined) return;
    for (const path of ['/p1', '/p2', '/p3']) {
      conn.write(request(path));
      await conn.readUntil(`the response to ${path}`, responses(['/p1', '/p2', '/p3'].indexOf(path) + 2));
    }
    const port = server.port;
    const seen = await waitFor('exchanges of /p2 and /p3 on both sides', () => {
      const mine = exchanges.filter((x) => x.localPort === port || x.remotePort === port);
      const has = (side: string, target: string): boolean => mine.some((x) => x.side === side && x.target === target && x.status === 200);
      return ['server', 'client'].every((side) => has(side, '/p2') && has(side, '/p3')) ? mine : undefined;
    });
    assert.ok(seen.every((x) => x.target !== '/hello'), 'nothing from before the probes attached');
  });
});
