// Names of DNS query types and response codes as dig and the IANA registries spell them. Only the
// values seen in practice get a name; the rest keep their number so nothing is lost.

const QUERY_TYPES = new Map<number, string>([
  [1, 'A'], [2, 'NS'], [5, 'CNAME'], [6, 'SOA'], [12, 'PTR'], [13, 'HINFO'], [15, 'MX'], [16, 'TXT'],
  [28, 'AAAA'], [33, 'SRV'], [35, 'NAPTR'], [39, 'DNAME'], [41, 'OPT'], [43, 'DS'], [46, 'RRSIG'],
  [47, 'NSEC'], [48, 'DNSKEY'], [50, 'NSEC3'], [52, 'TLSA'], [64, 'SVCB'], [65, 'HTTPS'], [99, 'SPF'],
  [251, 'IXFR'], [252, 'AXFR'], [255, 'ANY'], [257, 'CAA'],
]);

// 0-5 are RFC 1035, 6-10 dynamic update (RFC 2136), 11 DSO (RFC 8490), 23 cookies (RFC 7873).
// 16 is left numeric on purpose: it means BADVERS with EDNS and BADSIG with TSIG.
const RESPONSE_CODES = new Map<number, string>([
  [0, 'NOERROR'], [1, 'FORMERR'], [2, 'SERVFAIL'], [3, 'NXDOMAIN'], [4, 'NOTIMP'], [5, 'REFUSED'],
  [6, 'YXDOMAIN'], [7, 'YXRRSET'], [8, 'NXRRSET'], [9, 'NOTAUTH'], [10, 'NOTZONE'], [11, 'DSOTYPENI'],
  [23, 'BADCOOKIE'],
]);

/** `A`, `AAAA`, `HTTPS`, ...; `TYPE<n>` (RFC 3597 spelling) for the others. */
export function queryTypeName(type: number): string {
  return QUERY_TYPES.get(type) ?? `TYPE${type}`;
}

/** `NOERROR`, `NXDOMAIN`, ...; `RCODE<n>` for the others. */
export function responseCodeName(rcode: number): string {
  return RESPONSE_CODES.get(rcode) ?? `RCODE${rcode}`;
}
