import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INTERNET, isPrivateAddress, NodeKinds, protocolNodeKind, spanEdge, writeSpanEdge } from './graph-rules.js';
import { testSpan, T0 } from './test-records.js';

describe('graph rules', () => {
  const edges = [
    { name: 'client to a known service', span: testSpan(T0, { side: 'client', service_name: 'web', peer_service: 'api' }),
      want: { client: 'web', server: 'api', protocol: 'http', clientLocal: true, serverLocal: true } },
    { name: 'client to an unknown address', span: testSpan(T0, { side: 'client', service_name: 'api', remote_addr: '10.1.1.1', remote_port: 5432, protocol: 'postgresql' }),
      want: { client: 'api', server: '10.1.1.1:5432', protocol: 'postgresql', clientLocal: true, serverLocal: false } },
    { name: 'client to an IPv6 address', span: testSpan(T0, { side: 'client', service_name: 'api', remote_addr: '2001:db8::1', remote_port: 443 }),
      want: { client: 'api', server: '[2001:db8::1]:443', protocol: 'http', clientLocal: true, serverLocal: false } },
    { name: 'server with an unknown client on the internet', span: testSpan(T0, { side: 'server', service_name: 'api', remote_addr: '203.0.113.7', remote_port: 51234 }),
      want: { client: INTERNET, server: 'api', protocol: 'http', clientLocal: false, serverLocal: true } },
    { name: 'server with an unknown client of a private network', span: testSpan(T0, { side: 'server', service_name: 'api', remote_addr: '192.168.4.20', remote_port: 51234 }),
      want: { client: '192.168.4.20', server: 'api', protocol: 'http', clientLocal: false, serverLocal: true } },
    { name: 'server with a known client (counted on the client span)', span: testSpan(T0, { side: 'server', service_name: 'api', peer_service: 'web' }), want: null },
  ];
  for (const c of edges) {
    it(`edge: ${c.name}`, () => assert.deepEqual(spanEdge(c.span), c.want));
    it(`edge as a rollup key: ${c.name}`, () => {
      const key: (string | number)[] = ['x', 'x', 'x', 9, 9];
      const written = writeSpanEdge(c.span, key);
      assert.equal(written, c.want !== null);
      assert.deepEqual(key, c.want === null ? ['x', 'x', 'x', 9, 9]
        : [c.want.client, c.want.server, c.want.protocol, c.want.clientLocal ? 1 : 0, c.want.serverLocal ? 1 : 0]);
    });
  }

  const addresses: { addr: string; private: boolean }[] = [
    { addr: '10.1.2.3', private: true }, { addr: '172.16.0.1', private: true }, { addr: '172.31.255.255', private: true },
    { addr: '172.32.0.1', private: false }, { addr: '192.168.0.1', private: true }, { addr: '192.169.0.1', private: false },
    { addr: '127.0.0.1', private: true }, { addr: '169.254.1.1', private: true }, { addr: '100.64.0.1', private: true },
    { addr: '100.128.0.1', private: false }, { addr: '8.8.8.8', private: false }, { addr: '::ffff:10.0.0.1', private: true },
    { addr: '::ffff:8.8.8.8', private: false }, { addr: '::1', private: true }, { addr: 'fd12:3456::1', private: true },
    { addr: 'fe80::1', private: true }, { addr: '2001:db8::1', private: false }, { addr: 'not an address', private: false },
  ];
  for (const c of addresses) {
    it(`${c.addr} is ${c.private ? '' : 'not '}private`, () => assert.equal(isPrivateAddress(c.addr), c.private));
  }

  const kinds = [
    { protocol: 'postgresql', kind: 'database' }, { protocol: 'mysql', kind: 'database' }, { protocol: 'mongodb', kind: 'database' },
    { protocol: 'redis', kind: 'cache' }, { protocol: 'memcached', kind: 'cache' }, { protocol: 'kafka', kind: 'broker' },
    { protocol: 'http', kind: null }, { protocol: 'grpc', kind: null }, { protocol: 'dns', kind: null },
  ];
  for (const c of kinds) {
    it(`protocol ${c.protocol} makes a ${c.kind ?? 'plain'} node`, () => assert.equal(protocolNodeKind(c.protocol), c.kind));
  }

  it('decides node kinds: data protocol first, then locality', () => {
    const n = new NodeKinds();
    n.serves('api', 'http', true);
    n.local('web');
    n.serves('10.1.1.1:5432', 'postgresql', false);
    n.serves('pg', 'postgresql', true);
    n.serves('example.org:443', 'http', false);
    n.seen('203.0.113.7');
    n.serves('cache', 'redis', true);
    n.serves('cache', 'http', true); // a second protocol does not change a decided kind
    assert.deepEqual(n.nodes(), [
      { id: '10.1.1.1:5432', kind: 'database', protocol: 'postgresql' },
      { id: '203.0.113.7', kind: 'external' },
      { id: 'api', kind: 'service' },
      { id: 'cache', kind: 'cache', protocol: 'redis' },
      { id: 'example.org:443', kind: 'external', protocol: 'http' },
      { id: 'pg', kind: 'database', protocol: 'postgresql' },
      { id: 'web', kind: 'service' },
    ]);
  });
});
