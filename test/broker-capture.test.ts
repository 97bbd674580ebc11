// Kernel test: MongoDB and Kafka calls of the official clients (`mongodb`, `kafkajs`), captured
// in the kernel and parsed. MongoDB and Kafka servers cannot be installed on the test machines,
// so the clients talk to small in-test responders (test/support/*-responder.ts) that answer with
// protocol-valid replies; the clients run as their own processes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { L7Exchange } from '../src/correlate/l7-exchange.js';
import { packageRoot } from '../src/kernel/package-root.js';
import { runAsync } from './support/daemon.js';
import { startKafkaResponder } from './support/kafka-responder.js';
import { requireKernel } from './support/kernel.js';
import { startL7Capture, type L7Capture } from './support/l7-capture.js';
import { startMongoResponder } from './support/mongo-responder.js';

const SUPPORT = join(packageRoot(), 'test', 'support');

describe('MongoDB and Kafka capture: official clients against in-test responders', () => {
  let capture: L7Capture | null = null;
  before(async () => {
    capture = await startL7Capture();
  });
  after(() => capture?.stop());

  it('mongodb driver: insert, find and a failing drop, with collection, database and error code', async (t) => {
    if (!requireKernel(t) || capture === null) return;
    const cap = capture;
    const mongo = await startMongoResponder();
    try {
      await runAsync(process.execPath, [join(SUPPORT, 'mongo-client.mjs'), String(mongo.port)]);
      const ops = (): L7Exchange[] => cap.clientSide(mongo.port).filter((e) => ['insert', 'find', 'drop'].includes(e.operation ?? ''));
      await cap.atLeast('insert, find and drop on the client side', () => ops().length, 3);
      await cap.settle(mongo.port);
      const by = new Map(ops().map((e) => [e.operation, e]));
      const insert = by.get('insert')!;
      assert.equal(insert.protocol, 'mongodb');
      assert.equal(insert.resource, 'orders');
      assert.equal(insert.attributes['db.namespace'], 'shop');
      assert.equal(insert.attributes['db.collection.name'], 'orders');
      assert.equal(insert.failed, false);
      assert.equal(insert.statusText, 'OK');
      assert.equal(by.get('find')?.resource, 'orders');
      const drop = by.get('drop')!;
      assert.equal(drop.failed, true);
      assert.equal(drop.statusText, '26');
      assert.equal(drop.attributes['db.response.status_code'], '26');
      assert.equal(drop.comm, 'node');
      // The responder's side: the same three, named by the test process that answers.
      const served = cap.serverSide(mongo.port).filter((e) => ['insert', 'find', 'drop'].includes(e.operation ?? ''));
      assert.equal(served.length, 3);
      assert.equal(served[0]?.pid, process.pid);
    } finally {
      await mongo.close();
    }
  });

  it('kafkajs: a produce of three records to its topic, and a metadata error', async (t) => {
    if (!requireKernel(t) || capture === null) return;
    const cap = capture;
    const kafka = await startKafkaResponder();
    try {
      await runAsync(process.execPath, [join(SUPPORT, 'kafka-client.mjs'), String(kafka.port)]);
      const produce = (): L7Exchange[] => cap.clientSide(kafka.port).filter((e) => e.operation === 'Produce');
      await cap.atLeast('the produce request', () => produce().length, 1);
      await cap.atLeast('the failing metadata request', () => cap.clientSide(kafka.port).filter((e) => e.operation === 'Metadata' && e.failed === true).length, 1);
      await cap.settle(kafka.port);
      assert.equal(produce().length, 1);
      const p = produce()[0]!;
      assert.equal(p.protocol, 'kafka');
      assert.equal(p.resource, 'orders');
      assert.equal(p.attributes['messaging.system'], 'kafka');
      assert.equal(p.attributes['messaging.destination.name'], 'orders');
      assert.equal(p.attributes['messaging.batch.message_count'], 3);
      assert.equal(p.attributes['messaging.client.id'], 'orders-producer');
      assert.equal(p.failed, false);
      const meta = cap.clientSide(kafka.port).find((e) => e.operation === 'Metadata' && e.failed === true)!;
      assert.equal(meta.statusText, '3');
      assert.equal(meta.attributes['error.type'], 'UNKNOWN_TOPIC_OR_PARTITION');
    } finally {
      await kafka.close();
    }
  });
});
