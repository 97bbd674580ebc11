import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseWrk } from './wrk.js';

/** Real output of Debian's wrk 4.1.0 against nginx on this project's machines. */
const FAST = `Running 5s test @ http://127.0.0.1:18555/
  1 threads and 20 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   111.25us  167.19us   5.21ms   99.14%
    Req/Sec   119.69k    13.98k  142.79k    66.00%
  Latency Distribution
     50%   84.00us
     75%  131.00us
     90%  169.00us
     99%  239.00us
  594773 requests in 5.00s, 85.08MB read
Requests/sec: 118878.52
Transfer/sec:     17.01MB
`;

/** The same, with errors and slow tails, as wrk prints them under a struggling server. */
const TROUBLED = `Running 10s test @ http://127.0.0.1:40001/
  1 threads and 20 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.11ms    1.90ms   1.02s    86.31%
    Req/Sec    44.24k     6.52k   60.69k    74.00%
  Latency Distribution
     50%  182.00us
     75%    1.40ms
     90%    3.65ms
     99%    1.02s
  220575 requests in 10.02s, 31.55MB read
  Socket errors: connect 0, read 3, write 0, timeout 7
  Non-2xx or 3xx responses: 12
Requests/sec:  22013.47
Transfer/sec:      3.15MB
`;

describe('parseWrk', () => {
  it('reads requests, duration and percentiles in microseconds', () => {
    const r = parseWrk(FAST);
    assert.equal(r.requests, 594773);
    assert.equal(r.seconds, 5);
    assert.equal(r.requestsPerSecond, 594773 / 5);
    assert.deepEqual(r.latencyMs, { p50: 0.084, p75: 0.131, p90: 0.169, p99: 0.239 });
    assert.equal(r.socketErrors, null);
    assert.equal(r.non2xx3xx, 0);
  });

  it('converts mixed units and reads socket errors and non-2xx responses', () => {
    const r = parseWrk(TROUBLED);
    assert.equal(r.requests, 220575);
    assert.equal(r.seconds, 10.02);
    assert.equal(r.latencyMs.p50, 0.182);
    assert.equal(r.latencyMs.p75, 1.4);
    assert.equal(r.latencyMs.p99, 1020);
    assert.deepEqual(r.socketErrors, { connect: 0, read: 3, write: 0, timeout: 7 });
    assert.equal(r.non2xx3xx, 12);
  });

  it('throws when --latency was not given', () => {
    assert.throws(() => parseWrk(FAST.replace(/  Latency Distribution[\s\S]*?(?=  594773)/, '')), /% latency in its output/);
  });

  it('throws on output that is not a wrk report', () => {
    assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused\n'), /requests in/);
  });
});
