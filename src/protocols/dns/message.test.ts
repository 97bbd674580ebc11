import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDnsProblem, parseDnsMessage, MAX_ANSWER_TYPES, type DnsMessage, type DnsProblem } from './message.js';
import {
  DIG_A, DIG_AAAA, DIG_CNAME, DIG_MX, DIG_NXDOMAIN, DIG_PTR, DIG_REFUSED, DIG_SRV, DIG_TCP_A, DIG_TXT, NODE_RESOLVE4,
  hex, type CapturedDns,
} from './fixtures.js';
import { buildMessage, question, wireName } from './testkit.js';

function message(bytes: Uint8Array): DnsMessage {
  const parsed = parseDnsMessage(bytes);
  if (isDnsProblem(parsed)) assert.fail(`unexpected problem ${parsed.problem} at ${parsed.offset}`);
  return parsed;
}

function problem(bytes: Uint8Array): DnsProblem {
  const parsed = parseDnsMessage(bytes);
  if (!isDnsProblem(parsed)) assert.fail('expected a problem');
  return parsed;
}

/** UDP captures hold one message per entry; TCP ones carry the 2-byte length prefix. */
function only(hexes: string[], capture: CapturedDns): Uint8Array {
  const b = hex(hexes[0]!);
  return capture.transport === 'tcp' ? b.subarray(2) : b;
}

describe('parseDnsMessage: captured messages', () => {
  const cases: {
    name: string; capture: CapturedDns; qname: string; qtype: number; rcode: number; answerTypes: number[]; aa: boolean;
  }[] = [
    { name: 'dig A', capture: DIG_A, qname: 'example.test', qtype: 1, rcode: 0, answerTypes: [1], aa: true },
    { name: 'dig AAAA', capture: DIG_AAAA, qname: 'v6.test', qtype: 28, rcode: 0, answerTypes: [28], aa: true },
    { name: 'REFUSED', capture: DIG_REFUSED, qname: 'nothing.invalid', qtype: 1, rcode: 5, answerTypes: [], aa: false },
    { name: 'NXDOMAIN', capture: DIG_NXDOMAIN, qname: 'www.blocked.test', qtype: 1, rcode: 3, answerTypes: [], aa: false },
    { name: 'CNAME chain, compressed names', capture: DIG_CNAME, qname: 'alias.test', qtype: 1, rcode: 0, answerTypes: [5, 1], aa: true },
    { name: 'MX', capture: DIG_MX, qname: 'mail.test', qtype: 15, rcode: 0, answerTypes: [15], aa: true },
    { name: 'TXT', capture: DIG_TXT, qname: 'txt.test', qtype: 16, rcode: 0, answerTypes: [16], aa: true },
    { name: 'SRV, underscore labels', capture: DIG_SRV, qname: '_ldap._tcp.srv.test', qtype: 33, rcode: 0, answerTypes: [33], aa: true },
    { name: 'PTR', capture: DIG_PTR, qname: '7.0.0.10.in-addr.arpa', qtype: 12, rcode: 0, answerTypes: [12], aa: true },
    { name: 'TCP (prefix removed)', capture: DIG_TCP_A, qname: 'example.test', qtype: 1, rcode: 0, answerTypes: [1], aa: true },
    { name: 'c-ares without EDNS', capture: NODE_RESOLVE4, qname: 'example.test', qtype: 1, rcode: 0, answerTypes: [1], aa: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const query = message(only(c.capture.client, c.capture));
      const response = message(only(c.capture.server, c.capture));
      assert.equal(query.header.isResponse, false);
      assert.equal(response.header.isResponse, true);
      assert.equal(query.header.id, response.header.id);
      assert.equal(query.header.flags.recursionDesired, true);
      assert.equal(response.header.flags.authoritative, c.aa);
      assert.deepEqual(query.question, { name: c.qname, type: c.qtype, class: 1 });
      assert.deepEqual(response.question, { name: c.qname, type: c.qtype, class: 1 });
      assert.equal(response.header.rcode, c.rcode);
      assert.equal(response.responseCode, c.rcode);
      assert.deepEqual(response.answerTypes, c.answerTypes);
      assert.equal(response.header.answerCount, c.answerTypes.length);
      assert.deepEqual(query.answerTypes, []);
    });
  }
});

describe('parseDnsMessage: crafted messages', () => {
  it('too short', () => {
    for (const n of [0, 1, 11]) {
      const p = problem(new Uint8Array(n));
      assert.equal(p.problem, 'too-short');
      assert.equal(p.header, null);
    }
  });

  it('header only, no question', () => {
    const m = message(buildMessage({ questions: [], rcode: 1, response: true }));
    assert.equal(m.question, null);
    assert.equal(m.header.rcode, 1);
  });

  it('compression pointer loop', () => {
    // The question name is a pointer to itself.
    const p = problem(buildMessage({ questions: [[0xc0, 12, 0, 1, 0, 1]] }));
    assert.equal(p.problem, 'pointer-loop');
    assert.notEqual(p.header, null, 'the header is still reported');
    // Two pointers at each other: 12 → 14 → 12 → ...
    const q = problem(buildMessage({ questions: [[0xc0, 14, 0xc0, 12, 0, 1, 0, 1]] }));
    assert.equal(q.problem, 'pointer-loop');
  });

  it('pointer out of range', () => {
    const p = problem(buildMessage({ questions: [[3, 0x77, 0x77, 0x77, 0xc0, 0xff, 0, 1, 0, 1]] }));
    assert.equal(p.problem, 'pointer-out-of-range');
  });

  it('label too long', () => {
    // 64 is neither a label length (≤ 63) nor a pointer (0b11xxxxxx).
    const p = problem(buildMessage({ questions: [[64, ...new Array<number>(64).fill(0x61), 0, 0, 1, 0, 1]] }));
    assert.equal(p.problem, 'label-too-long');
    const ok = message(buildMessage({ questions: [[63, ...new Array<number>(63).fill(0x61), 0, 0, 1, 0, 1]] }));
    assert.equal(ok.question?.name, 'a'.repeat(63));
  });

  it('name over 255 octets', () => {
    const long = Array.from({ length: 5 }, () => 'b'.repeat(60)).join('.');
    assert.equal(problem(buildMessage({ questions: [question(long)] })).problem, 'name-too-long');
  });

  it('answers skipped by rdlength', () => {
    // rdata that looks like names and pointers must not be read as such.
    const bytes = buildMessage({
      response: true,
      answers: [
        { type: 16, rdata: [0xc0, 0xff, 0x40, 0x41, 0x00] },
        { type: 28, rdata: new Array<number>(16).fill(0xee) },
        { type: 1, name: wireName('other.test'), rdata: [10, 0, 0, 1] },
      ],
    });
    assert.deepEqual(message(bytes).answerTypes, [16, 28, 1]);
  });

  it('answer rdata running past the end', () => {
    const bytes = buildMessage({ response: true, answers: [{ type: 1, rdata: [10, 0, 0, 1] }] });
    const p = problem(bytes.subarray(0, bytes.length - 1));
    assert.equal(p.problem, 'truncated');
    assert.deepEqual(p.question, { name: 'example.test', type: 1, class: 1 }, 'the question read before is kept');
  });

  it('more answers counted than present', () => {
    const bytes = buildMessage({ response: true, answers: [{ type: 1, rdata: [1, 2, 3, 4] }], counts: [1, 2, 0, 0] });
    assert.equal(problem(bytes).problem, 'truncated');
  });

  it('question cut inside the type', () => {
    const bytes = buildMessage({});
    assert.equal(problem(bytes.subarray(0, bytes.length - 3)).problem, 'truncated');
  });

  it('upper case lowered, non-printable bytes escaped, dots in labels escaped', () => {
    const q = [4, 0x57, 0x57, 0x57, 0x2e, 3, 0x00, 0x20, 0x5c, 4, 0x54, 0x45, 0x53, 0x54, 0, 0, 1, 0, 1];
    assert.equal(message(buildMessage({ questions: [q] })).question?.name, 'www\\..\\000\\032\\\\.test');
  });

  it('root name', () => {
    assert.equal(message(buildMessage({ questions: [[0, 0, 2, 0, 1]] })).question?.name, '.');
  });

  it('escaped text capped at 255 characters', () => {
    // 4 labels of 60 control bytes: 244 octets on the wire, 960 characters escaped.
    const label = [60, ...new Array<number>(60).fill(1)];
    const m = message(buildMessage({ questions: [[...label, ...label, ...label, ...label, 0, 0, 1, 0, 1]] }));
    assert.equal(m.question?.name.length, 255);
    assert.ok(m.question?.name.startsWith('\\001\\001'));
  });

  it('second question skipped, first kept', () => {
    const m = message(buildMessage({
      questions: [question('one.test', 28), question('two.test', 1)],
      response: true,
      answers: [{ type: 28, rdata: new Array<number>(16).fill(0) }],
    }));
    assert.deepEqual(m.question, { name: 'one.test', type: 28, class: 1 });
    assert.deepEqual(m.answerTypes, [28]);
  });

  it('EDNS extended RCODE from the OPT record', () => {
    // BADCOOKIE (23) = extended 1 << 4 | header 7.
    const m = message(buildMessage({ response: true, rcode: 7, additional: [{ type: 41, name: [0], ttl: [1, 0, 0, 0] }] }));
    assert.equal(m.header.rcode, 7);
    assert.equal(m.responseCode, 23);
  });

  it('cut additional section leaves the header RCODE', () => {
    const bytes = buildMessage({ response: true, rcode: 2, additional: [{ type: 41, name: [0], ttl: [1, 0, 0, 0] }] });
    const m = message(bytes.subarray(0, bytes.length - 3));
    assert.equal(m.responseCode, 2);
  });

  it('answer types capped, count exact', () => {
    const answers = Array.from({ length: MAX_ANSWER_TYPES + 10 }, () => ({ type: 1, rdata: [1, 2, 3, 4] }));
    const m = message(buildMessage({ response: true, answers }));
    assert.equal(m.answerTypes.length, MAX_ANSWER_TYPES);
    assert.equal(m.header.answerCount, MAX_ANSWER_TYPES + 10);
  });

  it('header flags', () => {
    const m = message(hex('abcd' + '87b0' + '0000000000000000'));
    assert.deepEqual(
      { id: m.header.id, qr: m.header.isResponse, opcode: m.header.opcode, rcode: m.header.rcode, ...m.header.flags },
      {
        id: 0xabcd, qr: true, opcode: 0, rcode: 0, authoritative: true, truncated: true, recursionDesired: true,
        recursionAvailable: true, authenticData: true, checkingDisabled: true,
      },
    );
  });
});
