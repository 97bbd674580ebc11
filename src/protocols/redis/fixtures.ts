// Real Redis bytes, captured on a development machine with a small recording TCP proxy between
// the client and the server (each chunk as the proxy read it, in order, per direction).
// Server: redis-server 7.0.15 (--save '' --appendonly no); clients: redis-cli 7.0.15 and
// redis-benchmark 7.0.15, except where `how` says a raw socket sent hand-typed commands.
// redis-cli first sends COMMAND DOCS when reading commands from stdin; that exchange (≈ 170 KB
// of reply) is left out of the sessions here and kept, compressed, in command-docs-fixtures.ts.
// Strings are latin1 (one char per byte). Test data only: not imported by the agent.

/** One chunk as read: `c` client → server, `s` server → client. */
export type Chunk = { c: string } | { s: string };

export interface CapturedSession {
  /** What was run to produce it. */
  how: string;
  chunks: readonly Chunk[];
}

export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** All of one direction's chunks, concatenated. */
export function side(session: CapturedSession, dir: 'c' | 's'): string {
  let out = '';
  for (const chunk of session.chunks) {
    if (dir === 'c' && 'c' in chunk) out += chunk.c;
    if (dir === 's' && 's' in chunk) out += chunk.s;
  }
  return out;
}

export const CLI_BASIC: CapturedSession = {
  how: "redis-cli (stdin): SET, GET, INCR, HSET, RPUSH, LRANGE, GET of a missing key",
  chunks: [
    { c: "*3\r\n$3\r\nSET\r\n$6\r\nuser:1\r\n$5\r\nalice\r\n" },
    { s: "+OK\r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$6\r\nuser:1\r\n" },
    { s: "$5\r\nalice\r\n" },
    { c: "*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n" },
    { s: ":1\r\n" },
    { c: "*6\r\n$4\r\nHSET\r\n$3\r\nh:1\r\n$4\r\nname\r\n$3\r\nbob\r\n$3\r\nage\r\n$2\r\n42\r\n" },
    { s: ":2\r\n" },
    { c: "*5\r\n$5\r\nRPUSH\r\n$6\r\nlist:1\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n" },
    { s: ":3\r\n" },
    { c: "*4\r\n$6\r\nLRANGE\r\n$6\r\nlist:1\r\n$1\r\n0\r\n$2\r\n-1\r\n" },
    { s: "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n" },
    { s: "$-1\r\n" },
  ],
};

export const CLI_ERRORS: CapturedSession = {
  how: "redis-cli (stdin): SET, LPUSH on a string (WRONGTYPE), unknown command (ERR), GET",
  chunks: [
    { c: "*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$1\r\nx\r\n" },
    { s: "+OK\r\n" },
    { c: "*3\r\n$5\r\nLPUSH\r\n$1\r\ns\r\n$1\r\ny\r\n" },
    { s: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" },
    { c: "*2\r\n$6\r\nFOOBAR\r\n$3\r\nbaz\r\n" },
    { s: "-ERR unknown command 'FOOBAR', with args beginning with: 'baz' \r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$1\r\ns\r\n" },
    { s: "$1\r\nx\r\n" },
  ],
};

export const CLI_MULTI_EXEC: CapturedSession = {
  how: "redis-cli (stdin): MULTI, 3 queued commands, EXEC; MULTI, SET, DISCARD; GET",
  chunks: [
    { c: "*1\r\n$5\r\nMULTI\r\n" },
    { s: "+OK\r\n" },
    { c: "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n" },
    { s: "+QUEUED\r\n" },
    { c: "*2\r\n$4\r\nINCR\r\n$1\r\na\r\n" },
    { s: "+QUEUED\r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$1\r\na\r\n" },
    { s: "+QUEUED\r\n" },
    { c: "*1\r\n$4\r\nEXEC\r\n" },
    { s: "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n" },
    { c: "*1\r\n$5\r\nMULTI\r\n" },
    { s: "+OK\r\n" },
    { c: "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n" },
    { s: "+QUEUED\r\n" },
    { c: "*1\r\n$7\r\nDISCARD\r\n" },
    { s: "+OK\r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$1\r\na\r\n" },
    { s: "$1\r\n2\r\n" },
  ],
};

export const CLI_SELECT: CapturedSession = {
  how: "redis-cli (stdin): SELECT 2, SET, GET, SELECT 99 (out of range), GET",
  chunks: [
    { c: "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n" },
    { s: "+OK\r\n" },
    { c: "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n" },
    { s: "+OK\r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n" },
    { s: "$1\r\nv\r\n" },
    { c: "*2\r\n$6\r\nSELECT\r\n$2\r\n99\r\n" },
    { s: "-ERR DB index is out of range\r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n" },
    { s: "$1\r\nv\r\n" },
  ],
};

export const BENCHMARK_CONFIG: CapturedSession = {
  how: "redis-benchmark start-up: two CONFIG GET pipelined in one segment",
  chunks: [
    { c: "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$4\r\nsave\r\n*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$10\r\nappendonly\r\n" },
    { s: "*2\r\n$4\r\nsave\r\n$0\r\n\r\n*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n" },
  ],
};

export const BENCHMARK_SET_P4: CapturedSession = {
  how: "redis-benchmark -n 20 -P 4 -t set,get -c 1: the SET connection (4 commands per segment)",
  chunks: [
    { c: "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n" },
    { s: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n" },
    { c: "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n" },
    { s: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n" },
    { c: "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n" },
    { s: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n" },
    { c: "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n" },
    { s: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n" },
    { c: "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nVXK\r\n" },
    { s: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n" },
  ],
};

export const BENCHMARK_GET_P4: CapturedSession = {
  how: "redis-benchmark -n 20 -P 4 -t set,get -c 1: the GET connection (4 commands per segment)",
  chunks: [
    { c: "*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n" },
    { s: "$3\r\nVXK\r\n$3\r\nVXK\r\n$3\r\nVXK\r\n$3\r\nVXK\r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n" },
    { s: "$3\r\nVXK\r\n$3\r\nVXK\r\n$3\r\nVXK\r\n$3\r\nVXK\r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n" },
    { s: "$3\r\nVXK\r\n$3\r\nVXK\r\n$3\r\nVXK\r\n$3\r\nVXK\r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n" },
    { s: "$3\r\nVXK\r\n$3\r\nVXK\r\n$3\r\nVXK\r\n$3\r\nVXK\r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n" },
    { s: "$3\r\nVXK\r\n$3\r\nVXK\r\n$3\r\nVXK\r\n$3\r\nVXK\r\n" },
  ],
};

export const PUBSUB_SUBSCRIBER: CapturedSession = {
  how: "redis-cli SUBSCRIBE news alerts, then two PUBLISH from other clients: one reply per channel, then message pushes",
  chunks: [
    { c: "*3\r\n$9\r\nSUBSCRIBE\r\n$4\r\nnews\r\n$6\r\nalerts\r\n" },
    { s: "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$6\r\nalerts\r\n:2\r\n" },
    { s: "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n" },
    { s: "*3\r\n$7\r\nmessage\r\n$6\r\nalerts\r\n$9\r\ndisk full\r\n" },
  ],
};

export const PUBSUB_PUBLISHER: CapturedSession = {
  how: "redis-cli PUBLISH news hello (the publishing side)",
  chunks: [
    { c: "*3\r\n$7\r\nPUBLISH\r\n$4\r\nnews\r\n$5\r\nhello\r\n" },
    { s: ":1\r\n" },
  ],
};

export const PUBSUB_PSUBSCRIBER: CapturedSession = {
  how: "redis-cli PSUBSCRIBE news.*, then PUBLISH news.sport from another client: a pmessage push",
  chunks: [
    { c: "*2\r\n$10\r\nPSUBSCRIBE\r\n$6\r\nnews.*\r\n" },
    { s: "*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:1\r\n" },
    { s: "*4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$10\r\nnews.sport\r\n$4\r\ngoal\r\n" },
  ],
};

export const RESP3_SUBSCRIBER: CapturedSession = {
  how: "redis-cli -3 SUBSCRIBE news (HELLO 3 first), then PUBLISH from another client: > pushes",
  chunks: [
    { c: "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n" },
    { s: "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:17\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n" },
    { c: "*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nnews\r\n" },
    { s: ">3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n" },
    { s: ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$11\r\nresp3-hello\r\n" },
  ],
};

export const CLI_RESP3: CapturedSession = {
  how: "redis-cli -3 (stdin): HELLO 3 (map), HSET, HGETALL (map), SADD, SMEMBERS (set), ZADD, ZSCORE (double), GET missing (null), CLIENT INFO (verbatim), EVAL returning a double and a boolean, CLIENT SETNAME, CONFIG GET (map)",
  chunks: [
    { c: "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n" },
    { s: "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:11\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n" },
    { c: "*6\r\n$4\r\nHSET\r\n$2\r\nh3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n" },
    { s: ":2\r\n" },
    { c: "*2\r\n$7\r\nHGETALL\r\n$2\r\nh3\r\n" },
    { s: "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n" },
    { c: "*4\r\n$4\r\nSADD\r\n$2\r\ns3\r\n$1\r\nx\r\n$1\r\ny\r\n" },
    { s: ":2\r\n" },
    { c: "*2\r\n$8\r\nSMEMBERS\r\n$2\r\ns3\r\n" },
    { s: "~2\r\n$1\r\ny\r\n$1\r\nx\r\n" },
    { c: "*4\r\n$4\r\nZADD\r\n$2\r\nz3\r\n$3\r\n1.5\r\n$1\r\nm\r\n" },
    { s: ":1\r\n" },
    { c: "*3\r\n$6\r\nZSCORE\r\n$2\r\nz3\r\n$1\r\nm\r\n" },
    { s: ",1.5\r\n" },
    { c: "*2\r\n$3\r\nGET\r\n$4\r\nnope\r\n" },
    { s: "_\r\n" },
    { c: "*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n" },
    { s: "=273\r\ntxt:id=11 addr=127.0.0.1:46724 laddr=127.0.0.1:6391 fd=8 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=37658 events=r cmd=client|info user=default redir=-1 resp=3\n\r\n" },
    { c: "*3\r\n$4\r\nEVAL\r\n$20\r\nreturn {double=3.14}\r\n$1\r\n0\r\n" },
    { s: ",3.1400000000000001\r\n" },
    { c: "*3\r\n$4\r\nEVAL\r\n$29\r\nredis.setresp(3); return true\r\n$1\r\n0\r\n" },
    { s: "#t\r\n" },
    { c: "*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$5\r\nsonde\r\n" },
    { s: "+OK\r\n" },
    { c: "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$9\r\nmaxmemory\r\n" },
    { s: "%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n" },
  ],
};

export const INLINE: CapturedSession = {
  how: "inline commands over a raw socket (bash /dev/tcp): PING, SET with a quoted argument, GET, an empty line, EXISTS with two keys",
  chunks: [
    { c: "PING\r\n" },
    { s: "+PONG\r\n" },
    { c: "SET inline:1 \"hello world\"\r\n" },
    { s: "+OK\r\n" },
    { c: "GET inline:1\r\n" },
    { s: "$11\r\nhello world\r\n" },
    { c: "\r\n" },
    { c: "EXISTS inline:1 nope\r\n" },
    { s: ":1\r\n" },
  ],
};

export const UNSUBSCRIBE_ALL: CapturedSession = {
  how: "raw socket (bash printf, RESP2): SUBSCRIBE a b, PSUBSCRIBE c*, a pmessage, PING in subscribed mode, UNSUBSCRIBE and PUNSUBSCRIBE without arguments (one reply per channel), GET",
  chunks: [
    { c: "*3\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n$1\r\nb\r\n" },
    { s: "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n" },
    { c: "*2\r\n" },
    { c: "$10\r\nPSUBSCRIBE\r\n$2\r\nc*\r\n" },
    { s: "*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:3\r\n" },
    { s: "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\ncx\r\n$2\r\nhi\r\n" },
    { c: "*1\r\n" },
    { c: "$4\r\nPING\r\n" },
    { s: "*2\r\n$4\r\npong\r\n$0\r\n\r\n" },
    { c: "*1\r\n" },
    { c: "$11\r\nUNSUBSCRIBE\r\n" },
    { s: "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n" },
    { c: "*1\r\n" },
    { c: "$12\r\nPUNSUBSCRIBE\r\n" },
    { s: "*3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:0\r\n" },
    { c: "*2\r\n" },
    { c: "$3\r\nGET\r\n$1\r\na\r\n" },
    { s: "$1\r\n2\r\n" },
  ],
};

/** Every captured session, for tests that run them all. */
export const ALL_SESSIONS: readonly CapturedSession[] = [
  CLI_BASIC,
  CLI_ERRORS,
  CLI_MULTI_EXEC,
  CLI_SELECT,
  BENCHMARK_CONFIG,
  BENCHMARK_SET_P4,
  BENCHMARK_GET_P4,
  PUBSUB_SUBSCRIBER,
  PUBSUB_PUBLISHER,
  PUBSUB_PSUBSCRIBER,
  RESP3_SUBSCRIBER,
  CLI_RESP3,
  INLINE,
  UNSUBSCRIBE_ALL,
];
