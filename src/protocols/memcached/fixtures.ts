// memcached text-protocol sessions, HAND-WRITTEN from the protocol specification
// (github.com/memcached/memcached doc/protocol.txt, and the meta-command examples of the project's
// MetaCommands wiki page): memcached was not available where these were made, so unlike the Redis
// fixtures they are not captures. Chunk boundaries are where a client or server would plausibly
// write (one command or reply per write unless `how` says pipelined). Values, keys and numbers
// are invented. Strings are latin1 (one char per byte). Test data only: not imported by the agent.

/** One chunk: `c` client → server, `s` server → client. */
export type Chunk = { c: string } | { s: string };

export interface Session {
  /** What the session exercises. */
  how: string;
  chunks: readonly Chunk[];
}

export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** All of one direction's chunks, concatenated. */
export function side(session: Session, dir: 'c' | 's'): string {
  let out = '';
  for (const chunk of session.chunks) {
    if (dir === 'c' && 'c' in chunk) out += chunk.c;
    if (dir === 's' && 's' in chunk) out += chunk.s;
  }
  return out;
}

export const SET_GET: Session = {
  how: 'set, get of the key (hit), get of a missing key (bare END)',
  chunks: [
    { c: 'set user:1 0 3600 5\r\nalice\r\n' },
    { s: 'STORED\r\n' },
    { c: 'get user:1\r\n' },
    { s: 'VALUE user:1 0 5\r\nalice\r\nEND\r\n' },
    { c: 'get missing\r\n' },
    { s: 'END\r\n' },
  ],
};

export const MULTI_GET: Session = {
  how: 'get of three keys, two hits (one with binary data holding CRLF), then gat with an exptime',
  chunks: [
    { c: 'get a b c\r\n' },
    { s: 'VALUE a 0 1\r\n1\r\nVALUE c 32 6\r\nx\r\ny\r\n\r\nEND\r\n' },
    { c: 'gat 300 a b\r\n' },
    { s: 'VALUE a 0 1\r\n1\r\nEND\r\n' },
  ],
};

export const GETS_CAS: Session = {
  how: 'gets (cas unique in VALUE), cas that stores, cas that loses (EXISTS), cas of a missing key (NOT_FOUND)',
  chunks: [
    { c: 'gets k\r\n' },
    { s: 'VALUE k 0 2 7\r\nhi\r\nEND\r\n' },
    { c: 'cas k 0 0 3 7\r\nbye\r\n' },
    { s: 'STORED\r\n' },
    { c: 'cas k 0 0 3 7\r\nbye\r\n' },
    { s: 'EXISTS\r\n' },
    { c: 'cas gone 0 0 1 9\r\nz\r\n' },
    { s: 'NOT_FOUND\r\n' },
  ],
};

export const STORAGE_OUTCOMES: Session = {
  how: 'add of an existing key (NOT_STORED), replace of a missing key (NOT_STORED), append, prepend, an empty value',
  chunks: [
    { c: 'add k 0 0 1\r\nx\r\n' },
    { s: 'NOT_STORED\r\n' },
    { c: 'replace nope 0 0 1\r\nx\r\n' },
    { s: 'NOT_STORED\r\n' },
    { c: 'append k 0 0 3\r\n-ap\r\n' },
    { s: 'STORED\r\n' },
    { c: 'prepend k 0 0 3\r\npr-\r\n' },
    { s: 'STORED\r\n' },
    { c: 'set empty 0 0 0\r\n\r\n' },
    { s: 'STORED\r\n' },
  ],
};

export const NOREPLY: Session = {
  how: 'set, delete, incr and flush_all with noreply (no reply comes), pipelined with a get that does get one',
  chunks: [
    { c: 'set a 0 0 1 noreply\r\nx\r\ndelete b noreply\r\nincr n 1 noreply\r\nflush_all 0 noreply\r\nget a\r\n' },
    { s: 'VALUE a 0 1\r\nx\r\nEND\r\n' },
  ],
};

export const DELETE_INCR_TOUCH: Session = {
  how: 'delete (DELETED, NOT_FOUND), incr, decr (value space-padded), incr of a missing key, touch',
  chunks: [
    { c: 'delete k\r\n' },
    { s: 'DELETED\r\n' },
    { c: 'delete k\r\n' },
    { s: 'NOT_FOUND\r\n' },
    { c: 'incr n 5\r\n' },
    { s: '15\r\n' },
    { c: 'decr n 6\r\n' },
    { s: '9 \r\n' },
    { c: 'incr nope 1\r\n' },
    { s: 'NOT_FOUND\r\n' },
    { c: 'touch n 10\r\n' },
    { s: 'TOUCHED\r\n' },
  ],
};

export const STATS_VERSION: Session = {
  how: 'stats (STAT lines then END, in two writes), stats reset (RESET), version, verbosity, flush_all',
  chunks: [
    { c: 'stats\r\n' },
    { s: 'STAT pid 4242\r\nSTAT uptime 3600\r\nSTAT version 1.6.21\r\nSTAT curr_connections 2\r\n' },
    { s: 'STAT get_hits 10\r\nSTAT get_misses 3\r\nEND\r\n' },
    { c: 'stats reset\r\n' },
    { s: 'RESET\r\n' },
    { c: 'version\r\n' },
    { s: 'VERSION 1.6.21\r\n' },
    { c: 'verbosity 1\r\n' },
    { s: 'OK\r\n' },
    { c: 'flush_all\r\n' },
    { s: 'OK\r\n' },
  ],
};

export const ERRORS: Session = {
  how: 'unknown command (ERROR), bad storage line (CLIENT_ERROR, no data block read), the stray data line then read as a command (ERROR), SERVER_ERROR on a too-large value',
  chunks: [
    { c: 'bogus k\r\n' },
    { s: 'ERROR\r\n' },
    { c: 'set k 0 0 abc\r\n' },
    { s: 'CLIENT_ERROR bad command line format\r\n' },
    { c: 'hello\r\n' },
    { s: 'ERROR\r\n' },
    { c: 'set huge 0 0 20\r\n01234567890123456789\r\n' },
    { s: 'SERVER_ERROR object too large for cache\r\n' },
  ],
};

export const META: Session = {
  how: 'meta commands: ms, mg with value and flags (VA), mg miss (EN), md (HD), ma with value, mn, me miss',
  chunks: [
    { c: 'ms foo 2 T90 F1\r\nhi\r\n' },
    { s: 'HD\r\n' },
    { c: 'mg foo t f v\r\n' },
    { s: 'VA 2 t78 f1\r\nhi\r\n' },
    { c: 'mg missing v\r\n' },
    { s: 'EN\r\n' },
    { c: 'mg foo c\r\n' },
    { s: 'HD c500\r\n' },
    { c: 'md foo\r\n' },
    { s: 'HD\r\n' },
    { c: 'ma cnt N0 J13 v\r\n' },
    { s: 'VA 2\r\n13\r\n' },
    { c: 'mn\r\n' },
    { s: 'MN\r\n' },
    { c: 'me foo\r\n' },
    { s: 'EN\r\n' },
  ],
};

export const META_QUIET_GETS: Session = {
  how: 'pipelined quiet mg with opaques, ended by mn: only the hit (b) answers, the misses stay silent',
  chunks: [
    { c: 'mg a v q Oa1\r\nmg b v q Ob2\r\nmg c v q Oc3\r\nmn\r\n' },
    { s: 'VA 1 Ob2\r\nB\r\nMN\r\n' },
  ],
};

export const META_QUIET_SETS: Session = {
  how: 'pipelined quiet ms without opaques, ended by mn: the first stores (silent), the second fails its CAS (EX)',
  chunks: [
    { c: 'ms a 1 q\r\nA\r\nms b 1 q C99\r\nB\r\nmn\r\n' },
    { s: 'EX\r\nMN\r\n' },
  ],
};

export const PIPELINED: Session = {
  how: 'pipelined: five commands in one write, the replies in two writes cut inside a VALUE data block',
  chunks: [
    { c: 'set k 0 0 10\r\n0123456789\r\nget k\r\nincr n 1\r\ndelete k\r\nget k\r\n' },
    { s: 'STORED\r\nVALUE k 0 10\r\n01234' },
    { s: '56789\r\nEND\r\n2\r\nDELETED\r\nEND\r\n' },
  ],
};

/** Every session, for tests that run them all. */
export const ALL_SESSIONS: readonly Session[] = [
  SET_GET, MULTI_GET, GETS_CAS, STORAGE_OUTCOMES, NOREPLY, DELETE_INCR_TOUCH, STATS_VERSION, ERRORS, META,
  META_QUIET_GETS, META_QUIET_SETS, PIPELINED,
];
