// Kernel test: a PostgreSQL client that leaves a batch open (extended protocol flushed, never
// synced) must not keep its connection paused for good. Over budget the kernel pauses
// connections and waits for a batch's end before capturing again (pausing mid-batch would lose
// what is in flight); a batch quiet for a pause's length (1 s) stops holding the connection back.
// Real PostgreSQL; the client is written message by message (no driver leaves a batch open).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlowPipeline } from '../src/agent/flow-pipeline.js';
import { L7Pipeline } from '../src/agent/l7-pipeline.js';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { kernelUnavailableReason, requireKernel } from './support/kernel.js';
import { pgWireConnect } from './support/pg-wire.js';
import { startPostgres, type Postgres } from './support/postgres.js';
import { waitFor } from './support/wait.js';

describe('PostgreSQL over budget: a batch left open', () => {
  const exchanges: L7Exchange[] = [];
  let flows: FlowPipeline | undefined;
  let l7: L7Pipeline | undefined;
  let pg: Postgres | undefined;

  before(async () => {
    if (kernelUnavailableReason() !== null) return;
    pg = await startPostgres();
    flows = await FlowPipeline.start({ tableSize: 65536, rules: [], onFlow: (r) => l7?.connectionClosed(r.socket_cookie) });
    // A budget a tight loop of queries exceeds at once, and ten statements a second do not.
    l7 = L7Pipeline.start({ flows: flows.correlator, captureBytes: 4096, maxSegmentsPerSecond: 200, redactSecrets: true, onExchange: (x) => exchanges.push(x) });
  });
  after(async () => {
    l7?.stop();
    flows?.stop();
    await pg?.stop();
  });

  it('capture resumes once the open batch has been quiet for a pause', async (t) => {
    if (!requireKernel(t) || !pg || !l7) return;
    const pipeline = l7;
    const client = await pgWireConnect(pg.port);
    try {
      // Over budget: simple queries back to back until the kernel pauses a connection.
      const shedBefore = pipeline.probes.kernelStats().connectionsShed;
      for (let i = 0; i < 5000 && pipeline.probes.kernelStats().connectionsShed === shedBefore; i++) {
        for (let j = 0; j < 20; j++) await client.query('SELECT 1 AS filler');
      }
      assert.ok(pipeline.probes.kernelStats().connectionsShed > shedBefore, 'the loop went over budget');
      // Paused, the client opens a batch and never ends it: every statement is flushed, none synced.
      await client.executeFlushed('SELECT 1 AS opens_the_batch');
      await new Promise((r) => setTimeout(r, 1500));
      const statements = 20;
      for (let i = 0; i < statements; i++) {
        await client.executeFlushed('SELECT 2 AS after_the_quiet_batch');
        await new Promise((r) => setTimeout(r, 100));
      }
      const after = (side: 'client' | 'server'): L7Exchange[] => exchanges.filter((x) => x.side === side &&
        String(x.attributes['db.query.text'] ?? '').includes('after_the_quiet_batch'));
      // The first statement after the quiet resumes capture; the rest of the batch follows it.
      await waitFor('records of the statements after the quiet', () => (after('client').length >= statements && after('server').length >= statements ? true : undefined), 10_000)
        .catch(() => assert.fail(`client ${after('client').length}, server ${after('server').length} of ${statements} recorded; ${JSON.stringify(pipeline.connections.stats)}`));
      for (const x of [...after('client'), ...after('server')]) {
        assert.equal(x.protocol, 'postgresql');
        assert.equal(x.operation, 'SELECT');
        assert.equal(x.problem, null);
        assert.equal(x.failed, false);
      }
    } finally {
      await client.close();
    }
  });
});
