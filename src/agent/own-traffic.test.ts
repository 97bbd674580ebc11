import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { L7Exchange } from '../correlate/l7-exchange.js';
import { isOwnTraffic } from './own-traffic.js';

const agent = { pid: 100, listeners: [{ address: '127.0.0.1', port: 8080 }, { address: '0.0.0.0', port: 8081 }] };
const x = (extra: Partial<L7Exchange>): L7Exchange => ({
  protocol: 'http', side: 'client', pid: 7, remoteAddr: '127.0.0.1', remotePort: 8080, ...extra,
} as L7Exchange);

describe('isOwnTraffic', () => {
  const cases: { name: string; x: L7Exchange; want: boolean }[] = [
    { name: 'the agent answering its API', x: x({ side: 'server', pid: 100, remotePort: 50000 }), want: true },
    { name: 'a browser calling the API', x: x({}), want: true },
    { name: 'a browser on a v4-mapped socket', x: x({ remoteAddr: '::ffff:127.0.0.1' }), want: true },
    { name: 'a health check to a wildcard listener', x: x({ remoteAddr: '10.0.0.5', remotePort: 8081 }), want: true },
    { name: 'the same port on another address', x: x({ remoteAddr: '10.0.0.5' }), want: false },
    { name: 'another service', x: x({ remotePort: 5432 }), want: false },
    { name: 'a server that happens to use the port elsewhere', x: x({ side: 'server', localPort: 8080 }), want: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(isOwnTraffic(c.x, agent), c.want));
});
