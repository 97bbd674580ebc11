import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikePostgresClient, looksLikePostgresServer } from './detect.js';
import {
  NODE_PG_EXTENDED, PGBENCH_INIT, PGBENCH_PIPELINE, PGBENCH_PIPELINE_ERROR, PGBENCH_PREPARED, PGBENCH_SIMPLE,
  PSQL_COPY, PSQL_SIMPLE, PSQL_TLS, bytes, type CapturedSession,
} from './fixtures.js';
import { msg } from './testkit.js';

const CAPTURED = [
  PSQL_SIMPLE, PSQL_COPY, PGBENCH_INIT, PGBENCH_SIMPLE, PGBENCH_PREPARED, NODE_PG_EXTENDED, PGBENCH_PIPELINE,
  PGBENCH_PIPELINE_ERROR, PSQL_TLS,
];

function first(session: CapturedSession, side: 'c' | 's'): string {
  for (const step of session.steps) {
    if (side === 'c' && 'c' in step) return step.c;
    if (side === 's' && 's' in step) return step.s;
  }
  return '';
}

describe('looksLikePostgresClient / looksLikePostgresServer', () => {
  it('recognises the first segment of every captured session, and only on its side', () => {
    for (const session of CAPTURED) {
      assert.equal(looksLikePostgresClient(bytes(first(session, 'c'))), true, session.how);
      assert.equal(looksLikePostgresServer(bytes(first(session, 's'))), true, session.how);
      assert.equal(looksLikePostgresClient(bytes(first(session, 's'))), false, session.how);
      assert.equal(looksLikePostgresServer(bytes(first(session, 'c'))), false, session.how);
    }
  });

  it('recognises segments of an open connection (capture started mid-stream)', () => {
    for (const session of [PGBENCH_SIMPLE, PGBENCH_PREPARED, NODE_PG_EXTENDED, PSQL_SIMPLE]) {
      // After the startup: every segment starts with a typed message.
      const steps = session.steps.slice(4);
      for (const step of steps) {
        if ('c' in step) assert.equal(looksLikePostgresClient(bytes(step.c)), true, JSON.stringify(step.c.slice(0, 40)));
        if ('s' in step) assert.equal(looksLikePostgresServer(bytes(step.s)), true, JSON.stringify(step.s.slice(0, 40)));
      }
    }
  });

  const clientCases: { name: string; input: string; want: boolean }[] = [
    { name: 'too short: empty', input: '', want: false },
    { name: 'too short: part of a length', input: '\0\0\0', want: false },
    { name: 'too short: type and half a length', input: 'Q\0\0', want: false },
    { name: 'SSLRequest', input: '\0\0\0\x08\x04\xd2\x16\x2f', want: true },
    { name: 'GSSENCRequest', input: '\0\0\0\x08\x04\xd2\x16\x30', want: true },
    { name: 'CancelRequest', input: '\0\0\0\x10\x04\xd2\x16\x2e\0\0\x30\x39\x12\x34\x56\x78', want: true },
    { name: 'SSLRequest with a wrong length', input: '\0\0\0\x10\x04\xd2\x16\x2f', want: false },
    { name: 'StartupMessage', input: msg.startup({ user: 'app', database: 'shop' }), want: true },
    { name: 'StartupMessage prefix', input: msg.startup({ user: 'app' }).slice(0, 12), want: true },
    { name: 'StartupMessage, protocol 3.2', input: '\0\0\0\x0e\0\x03\0\x02user\0\0', want: true },
    { name: 'StartupMessage with a key that is no parameter name', input: '\0\0\0\x12\0\x03\0\0\x01ser\0app\0\0', want: false },
    { name: 'protocol 2 startup', input: '\0\0\x01\x28\0\x02\0\0sonde', want: false },
    { name: 'StartupMessage over the server limit', input: '\0\0\x40\0\0\x03\0\0user', want: false },
    { name: 'Query', input: msg.query('SELECT 1'), want: true },
    { name: 'Query prefix', input: msg.query('SELECT * FROM big_table').slice(0, 12), want: true },
    { name: 'Query with a NUL inside', input: 'Q\0\0\0\x0dSEL\0CT 1\0', want: false },
    { name: 'Parse Bind Execute Sync', input: msg.parse('', 'SELECT $1') + msg.bind('', '') + msg.execute('') + msg.sync, want: true },
    { name: 'Sync', input: msg.sync, want: true },
    { name: 'Sync with a body', input: 'S\0\0\0\x05x', want: false },
    { name: 'Terminate', input: msg.terminate, want: true },
    { name: 'Query followed by junk', input: msg.query('SELECT 1') + 'zz\xff\xff', want: false },
    { name: 'HTTP request', input: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', want: false },
    { name: 'HTTP POST', input: 'POST /api HTTP/1.1\r\n', want: false },
    { name: 'TLS ClientHello', input: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', want: false },
    { name: 'Redis command', input: '*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n', want: false },
    { name: 'MySQL COM_QUERY', input: '\x09\0\0\0\x03SELECT 1', want: false },
    { name: 'server message', input: msg.ready(), want: false },
  ];
  for (const c of clientCases) {
    it(`client: ${c.name}`, () => assert.equal(looksLikePostgresClient(bytes(c.input)), c.want));
  }

  const serverCases: { name: string; input: string; want: boolean }[] = [
    { name: 'too short: empty', input: '', want: false },
    { name: 'too short: type and part of a length', input: 'Z\0\0\0', want: false },
    { name: 'SSL accepted', input: 'S', want: true },
    { name: 'SSL refused', input: 'N', want: true },
    { name: 'a single other byte', input: 'E', want: false },
    { name: 'AuthenticationOk', input: msg.authOk, want: true },
    { name: 'ReadyForQuery', input: msg.ready('T'), want: true },
    { name: 'ReadyForQuery with an unknown status', input: 'Z\0\0\0\x05Q', want: false },
    { name: 'ReadyForQuery with a wrong length', input: 'Z\0\0\0\x06Iz', want: false },
    { name: 'ErrorResponse', input: msg.error('28P01'), want: true },
    { name: 'results', input: msg.rowDescription('a') + msg.dataRow('1') + msg.complete('SELECT 1') + msg.ready(), want: true },
    { name: 'ParseComplete BindComplete', input: msg.parseComplete + msg.bindComplete, want: true },
    { name: 'CommandComplete in lower case', input: 'C\0\0\0\x0dselect 1\0', want: false },
    { name: 'DataRow whose values overrun it', input: 'D\0\0\0\x0b\0\x01\0\0\0\x09abc', want: false },
    { name: 'HTTP response', input: 'HTTP/1.1 200 OK\r\n', want: false },
    { name: 'MySQL greeting', input: 'J\0\0\0\x0a8.0.32\0', want: false },
    { name: 'TLS ServerHello', input: '\x16\x03\x03\0\x58\x02\0\0\x54', want: false },
    { name: 'client message', input: msg.query('SELECT 1'), want: false },
  ];
  for (const c of serverCases) {
    it(`server: ${c.name}`, () => assert.equal(looksLikePostgresServer(bytes(c.input)), c.want));
  }
});
