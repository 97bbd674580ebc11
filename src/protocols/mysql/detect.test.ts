import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeMysqlClient, looksLikeMysqlServer } from './detect.js';
import { ALL_SESSIONS, CLI_SSL, hex } from './fixtures.js';
import { packet, text } from './testkit.js';

const latin1 = (s: string): Uint8Array => hex(text(s));

describe('looksLikeMysqlServer / looksLikeMysqlClient', () => {
  it('recognises the first segment of every captured connection', () => {
    for (const session of ALL_SESSIONS) {
      const server = session.chunks.find((k) => 's' in k)!;
      const client = session.chunks.find((k) => 'c' in k)!;
      const s = hex('s' in server ? server.s : '');
      const c = hex('c' in client ? client.c : '');
      assert.equal(looksLikeMysqlServer(s), true, session.how);
      assert.equal(looksLikeMysqlClient(c), true, session.how);
      assert.equal(looksLikeMysqlClient(s), false, session.how);
      assert.equal(looksLikeMysqlServer(c), false, session.how);
      // The cheap kernel-side signature documented in detect.ts.
      assert.ok(s[2] === 0 && s[3] === 0 && s[4] === 0x0a && s[5]! - 0x30 <= 9 && (s[0]! | (s[1]! << 8)) >= 20);
    }
  });

  it('recognises connections picked up mid-stream: commands and response starts', () => {
    let commands = 0;
    let responses = 0;
    for (const session of ALL_SESSIONS) {
      if (session === CLI_SSL) continue;
      for (const k of session.chunks) {
        const b = hex('c' in k ? k.c : k.s);
        if ('c' in k && b[3] === 0) {
          assert.equal(looksLikeMysqlClient(b), true, `${session.how}: ${k.c.slice(0, 40)}`);
          commands++;
        }
        if ('s' in k && b[3] === 1) {
          assert.equal(looksLikeMysqlServer(b), true, `${session.how}: ${k.s.slice(0, 40)}`);
          responses++;
        }
      }
    }
    assert.ok(commands > 30 && responses > 20, `${commands} commands, ${responses} responses`);
  });

  const clientCases: { name: string; input: Uint8Array; want: boolean }[] = [
    { name: 'too short: empty', input: new Uint8Array(0), want: false },
    { name: 'too short: header only', input: hex('09000000'), want: false },
    { name: 'too short: COM_STMT_EXECUTE cut before its iteration count', input: hex(packet(0, '1701000000000100000000').slice(0, 20)), want: false },
    { name: 'COM_QUERY', input: hex(packet(0, '03' + text('select 1'))), want: true },
    { name: 'COM_QUERY cut after the first SQL byte', input: hex(packet(0, '03' + text('select 1')).slice(0, 12)), want: true },
    { name: 'COM_QUERY with query attributes', input: hex(packet(0, '030001' + text('SELECT 1'))), want: true },
    { name: 'COM_STMT_PREPARE', input: hex(packet(0, '16' + text('SELECT ?'))), want: true },
    { name: 'COM_STMT_EXECUTE', input: hex(packet(0, '1701000000000100000000')), want: true },
    { name: 'COM_STMT_CLOSE', input: hex(packet(0, '1901000000')), want: true },
    { name: 'COM_STMT_RESET', input: hex(packet(0, '1a01000000')), want: true },
    { name: 'COM_INIT_DB', input: hex(packet(0, '02' + text('shop'))), want: true },
    { name: 'COM_PING', input: hex(packet(0, '0e')), want: true },
    { name: 'COM_QUIT', input: hex(packet(0, '01')), want: true },
    { name: 'COM_SET_OPTION', input: hex(packet(0, '1b0100')), want: true },
    { name: 'COM_RESET_CONNECTION', input: hex(packet(0, '1f')), want: true },
    { name: 'COM_PING with a body', input: hex(packet(0, '0e00')), want: false },
    { name: 'COM_STMT_CLOSE of the wrong length', input: hex(packet(0, '190100')), want: false },
    { name: 'COM_STMT_EXECUTE with iteration count 0', input: hex(packet(0, '1701000000000000000000')), want: false },
    { name: 'COM_QUERY with control bytes', input: hex(packet(0, '03' + text('SEL\x01\x02'))), want: false },
    { name: 'unknown command byte', input: hex(packet(0, '99' + text('abc'))), want: false },
    { name: 'sequence id 3', input: hex(packet(3, '03' + text('SELECT 1'))), want: false },
    { name: 'HTTP request', input: latin1('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), want: false },
    { name: 'TLS ClientHello', input: hex('160301020001000001fc0303'), want: false },
    { name: 'PostgreSQL SSLRequest', input: hex('0000000804d2162f'), want: false },
    { name: 'PostgreSQL startup', input: hex('0000002900030000757365720061707000'), want: false },
    { name: 'Redis RESP array', input: latin1('*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n'), want: false },
    { name: 'HandshakeResponse41 without CLIENT_PROTOCOL_41', input: hex(packet(1, '00000000' + '00'.repeat(40))), want: false },
    { name: 'HandshakeResponse41 with junk filler', input: hex(packet(1, '0002000000000001ff' + 'ab'.repeat(23) + '00'.repeat(8))), want: false },
  ];
  for (const c of clientCases) it(`client: ${c.name}`, () => assert.equal(looksLikeMysqlClient(c.input), c.want));

  const serverCases: { name: string; input: Uint8Array; want: boolean }[] = [
    { name: 'too short: empty', input: new Uint8Array(0), want: false },
    { name: 'too short: greeting header', input: hex('4a0000000a'), want: false },
    { name: 'too short: greeting cut in the version', input: hex('4a0000000a382e302e'), want: false },
    { name: 'greeting with its version', input: hex('4a0000000a382e302e333600'), want: true },
    { name: 'greeting, protocol 9', input: hex('4a00000009382e302e333600'), want: false },
    { name: 'greeting, version not a number', input: hex('4a0000000a766572303000'), want: false },
    { name: 'OK', input: hex(packet(1, '00000002000000')), want: true },
    { name: 'ERR with SQL state', input: hex(packet(1, 'ff7a04' + text('#42S02Table'))), want: true },
    { name: 'ERR without the # marker', input: hex(packet(1, 'ff7a04' + text('Table x gone'))), want: false },
    { name: 'column count', input: hex(packet(1, '02')), want: true },
    { name: 'column count with MariaDB metadata byte', input: hex(packet(1, '0201')), want: true },
    { name: 'OK with sequence id 0 (not a response start)', input: hex(packet(0, '00000002000000')), want: false },
    { name: 'HTTP response', input: latin1('HTTP/1.1 200 OK\r\n\r\n'), want: false },
    { name: 'Redis reply', input: latin1('+OK\r\n'), want: false },
    { name: 'TLS ServerHello', input: hex('160303005a0200005603'), want: false },
    { name: 'PostgreSQL authentication request', input: hex('520000000800000000'), want: false },
  ];
  for (const c of serverCases) it(`server: ${c.name}`, () => assert.equal(looksLikeMysqlServer(c.input), c.want));
});
