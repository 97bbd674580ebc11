// Real DNS bytes captured on a development machine: a Node relay (dgram for UDP, net for TCP)
// between the client and dnsmasq logged each datagram / each read as hex, per direction.
// Server: dnsmasq 2.90 on 127.0.0.1, no upstream, so names it has no data for are REFUSED.
//   run 1: dnsmasq 2.90 --no-resolv --no-hosts --address=/example.test/10.1.2.3 --address=/v6.test/::1
//   run 2: run 1 plus --address=/blocked.test/ (NXDOMAIN), --host-record=multi.test,10.0.0.7,fd00::7,
//          --cname=alias.test,multi.test, --mx-host, --txt-record, --srv-host, --ptr-record
// Clients: dig 9.18 (EDNS with a client cookie), Node 20 dns.Resolver (c-ares, no EDNS).
// Test data only: not imported by the agent.

export interface CapturedDns {
  /** What was run to produce it. */
  how: string;
  transport: 'udp' | 'tcp';
  /** Client → server: one datagram (UDP) or one read (TCP) per entry, hex. */
  client: string[];
  /** Server → client, same. */
  server: string[];
}

export const DIG_A: CapturedDns = {
  how: "run 1: dig example.test A (EDNS with a cookie) → NOERROR, one A record",
  transport: 'udp',
  client: [
    'ff9001200001000000000001076578616d706c650474657374000001000100002904d000000000000c000a0008efbd415fdf4eb11e',
  ],
  server: [
    'ff9085800001000100000001076578616d706c6504746573740000010001c00c000100010000000000040a01020300002904d0000000000000',
  ],
};

export const DIG_AAAA: CapturedDns = {
  how: "run 1: dig v6.test AAAA → NOERROR, one AAAA record",
  transport: 'udp',
  client: [
    'e8f401200001000000000001027636047465737400001c000100002904d000000000000c000a0008cc2a55d70f6021df',
  ],
  server: [
    'e8f485800001000100000001027636047465737400001c0001c00c001c00010000000000100000000000000000000000000000000100002904d0000000000000',
  ],
};

export const DIG_REFUSED: CapturedDns = {
  how: "run 1: dig nothing.invalid A → REFUSED (no upstream configured)",
  transport: 'udp',
  client: [
    '60af01200001000000000001076e6f7468696e6707696e76616c6964000001000100002904d000000000000c000a0008e79bb23353968353',
  ],
  server: [
    '60af81850001000000000001076e6f7468696e6707696e76616c6964000001000100002904d0000000000006000f0002000e',
  ],
};

export const DIG_MX_REFUSED: CapturedDns = {
  how: "run 1: dig example.test MX → REFUSED (no local MX data, no upstream)",
  transport: 'udp',
  client: [
    '15ab01200001000000000001076578616d706c65047465737400000f000100002904d000000000000c000a0008050ee8e937881010',
  ],
  server: [
    '15ab81850001000000000001076578616d706c65047465737400000f000100002904d0000000000006000f0002000e',
  ],
};

export const DIG_TCP_A: CapturedDns = {
  how: "run 1: dig +tcp example.test A → NOERROR, one A record, one write per message",
  transport: 'tcp',
  client: [
    '0035ec8801200001000000000001076578616d706c650474657374000001000100002904d000000000000c000a000843bdc6776da41950',
  ],
  server: [
    '0039ec8885800001000100000001076578616d706c6504746573740000010001c00c000100010000000000040a01020300002904d0000000000000',
  ],
};

export const NODE_RESOLVE4: CapturedDns = {
  how: "run 1: Node dns.Resolver resolve4(example.test), no EDNS → NOERROR",
  transport: 'udp',
  client: [
    'a49901000001000000000000076578616d706c6504746573740000010001',
  ],
  server: [
    'a49985800001000100000000076578616d706c6504746573740000010001c00c000100010000000000040a010203',
  ],
};

export const DIG_NXDOMAIN: CapturedDns = {
  how: "run 2: dig www.blocked.test A → NXDOMAIN",
  transport: 'udp',
  client: [
    '6bbf012000010000000000010377777707626c6f636b65640474657374000001000100002904d000000000000c000a0008fd1d0aeb38073476',
  ],
  server: [
    '6bbf818300010000000000010377777707626c6f636b65640474657374000001000100002904d0000000000000',
  ],
};

export const DIG_CNAME: CapturedDns = {
  how: "run 2: dig alias.test A → CNAME to multi.test then its A record (compressed names)",
  transport: 'udp',
  client: [
    '24490120000100000000000105616c6961730474657374000001000100002904d000000000000c000a0008f380d4a358a60065',
  ],
  server: [
    '24498580000100020000000105616c69617304746573740000010001c00c0005000100000000000c056d756c7469047465737400c028000100010000000000040a00000700002904d0000000000000',
  ],
};

export const DIG_MX: CapturedDns = {
  how: "run 2: dig mail.test MX → NOERROR, one MX record",
  transport: 'udp',
  client: [
    '0d9901200001000000000001046d61696c047465737400000f000100002904d000000000000c000a0008d31d8ab2666a4593',
  ],
  server: [
    '0d9985800001000100000001046d61696c047465737400000f0001c00c000f0001000000000011000a036d7831046d61696c04746573740000002904d0000000000000',
  ],
};

export const DIG_TXT: CapturedDns = {
  how: "run 2: dig txt.test TXT → NOERROR, one TXT record",
  transport: 'udp',
  client: [
    'bc4a01200001000000000001037478740474657374000010000100002904d000000000000c000a0008af112977fec10331',
  ],
  server: [
    'bc4a858000010001000000010374787404746573740000100001c00c0010000100000000000c0b763d73706631202d616c6c00002904d0000000000000',
  ],
};

export const DIG_SRV: CapturedDns = {
  how: "run 2: dig _ldap._tcp.srv.test SRV → NOERROR, one SRV record",
  transport: 'udp',
  client: [
    'e01201200001000000000001055f6c646170045f746370037372760474657374000021000100002904d000000000000c000a000891a1bf8322e09e55',
  ],
  server: [
    'e01285800001000100000001055f6c646170045f7463700373727604746573740000210001c00c00210001000000000015000000000185046c6461700373727604746573740000002904d0000000000000',
  ],
};

export const DIG_PTR: CapturedDns = {
  how: "run 2: dig -x 10.0.0.7 → PTR 7.0.0.10.in-addr.arpa → multi.test",
  transport: 'udp',
  client: [
    'fda50120000100000000000101370130013002313007696e2d61646472046172706100000c000100002904d000000000000c000a0008581b3044facf3007',
  ],
  server: [
    'fda58580000100010000000101370130013002313007696e2d61646472046172706100000c0001c00c000c000100000000000c056d756c746904746573740000002904d0000000000000',
  ],
};

export const DIG_TCP_KEEPOPEN: CapturedDns = {
  how: "run 2: dig +tcp +keepopen example.test A multi.test AAAA → two queries on one connection",
  transport: 'tcp',
  client: [
    '00350a5101200001000000000001076578616d706c650474657374000001000100002904d000000000000c000a000890e9575f8221da99',
    '003354c901200001000000000001056d756c7469047465737400001c000100002904d000000000000c000a000890e9575f8221da99',
  ],
  server: [
    '00390a5185800001000100000001076578616d706c6504746573740000010001c00c000100010000000000040a01020300002904d0000000000000',
    '004354c985800001000100000001056d756c7469047465737400001c0001c00c001c0001000000000010fd00000000000000000000000000000700002904d0000000000000',
  ],
};

export const NODE_RESOLVE4_MULTI: CapturedDns = {
  how: "run 2: Node dns.Resolver resolve4(multi.test) → NOERROR",
  transport: 'udp',
  client: [
    'dceb01000001000000000000056d756c746904746573740000010001',
  ],
  server: [
    'dceb85800001000100000000056d756c746904746573740000010001c00c000100010000000000040a000007',
  ],
};

export const NODE_RESOLVE6_MULTI: CapturedDns = {
  how: "run 2: Node dns.Resolver resolve6(multi.test) → NOERROR",
  transport: 'udp',
  client: [
    '990c01000001000000000000056d756c7469047465737400001c0001',
  ],
  server: [
    '990c85800001000100000000056d756c7469047465737400001c0001c00c001c0001000000000010fd000000000000000000000000000007',
  ],
};

export const NODE_NXDOMAIN: CapturedDns = {
  how: "run 2: Node dns.Resolver resolve4(gone.blocked.test) → NXDOMAIN",
  transport: 'udp',
  client: [
    '83250100000100000000000004676f6e6507626c6f636b656404746573740000010001',
  ],
  server: [
    '83258183000100000000000004676f6e6507626c6f636b656404746573740000010001',
  ],
};

/** Every capture above. */
export const ALL_CAPTURES: readonly CapturedDns[] = [
  DIG_A, DIG_AAAA, DIG_REFUSED, DIG_MX_REFUSED, DIG_TCP_A,
  NODE_RESOLVE4, DIG_NXDOMAIN, DIG_CNAME, DIG_MX, DIG_TXT,
  DIG_SRV, DIG_PTR, DIG_TCP_KEEPOPEN, NODE_RESOLVE4_MULTI, NODE_RESOLVE6_MULTI,
  NODE_NXDOMAIN,
];

/** Hex (as logged) → bytes. */
export function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
