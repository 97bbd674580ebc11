// Test support shared by the protocol fuzz tests: a seeded PRNG so a failure reproduces from its
// seed, token-steered random bytes and mutations of valid traffic, and a feeder that hands a
// parser its two byte streams in random chunks with random gaps while counting what it fed.
// Only the harness lives here; what each protocol must satisfy stays in its own fuzz test.

/** Uniform in [0, 1), deterministic for a seed. */
export type Rng = () => number;

/** mulberry32: small, seedable, good enough to spread inputs. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: Rng, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

/**
 * Runs `body` for `count` cases drawn from one generator seeded with `seed`. A failure is rethrown
 * with the seed and the case number in its message, so it can be replayed.
 */
export function forEachSeededCase(seed: number, count: number, body: (r: Rng, iteration: number) => void): void {
  const r = mulberry32(seed);
  for (let iteration = 0; iteration < count; iteration++) {
    try {
      body(r, iteration);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`fuzz failure: seed ${seed}, iteration ${iteration}: ${message}`, { cause: err });
    }
  }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Fragments that steer random bytes toward a parser's decision points, and how often. */
export interface Steering {
  readonly tokens: readonly Uint8Array[];
  /** Chance that the next piece is a token rather than random bytes. */
  readonly tokenChance: number;
  /** Longest run of random bytes between tokens. */
  readonly maxRandomRun: number;
}

/** At least `length` bytes: tokens mixed with short runs of random bytes. */
export function steeredBytes(r: Rng, length: number, steering: Steering): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  while (n < length) {
    let p: Uint8Array;
    if (r() < steering.tokenChance) p = pick(r, steering.tokens);
    else {
      p = new Uint8Array(1 + Math.floor(r() * steering.maxRandomRun));
      for (let i = 0; i < p.length; i++) p[i] = Math.floor(r() * 256);
    }
    parts.push(p);
    n += p.length;
  }
  return concatBytes(parts);
}

/** A protocol's own edit of `b` at offset `at` (0..b.length): a length field, digits, ... */
export type SpecialEdit = (r: Rng, b: Uint8Array, at: number) => Uint8Array;

export interface MutationPlan {
  readonly tokens: readonly Uint8Array[];
  /** Edits per input: minEdits plus 0..extraEdits-1 more. */
  readonly minEdits: number;
  readonly extraEdits: number;
  /** A sixth kind of edit besides flip, insert token, delete, duplicate and truncate. */
  readonly special?: SpecialEdit;
}

/** `input` with a few random edits (the input itself is never written to). */
export function mutateBytes(r: Rng, input: Uint8Array, plan: MutationPlan): Uint8Array {
  let b = input;
  const count = plan.minEdits + Math.floor(r() * plan.extraEdits);
  const kinds = plan.special === undefined ? 5 : 6;
  for (let k = 0; k < count; k++) {
    const at = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * kinds)) {
      case 0: // flip a byte
        if (b.length > 0) { b = b.slice(); b[Math.min(at, b.length - 1)] = Math.floor(r() * 256); }
        break;
      case 1: // insert a token
        b = concatBytes([b.subarray(0, at), pick(r, plan.tokens), b.subarray(at)]);
        break;
      case 2: // delete a run
        b = concatBytes([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(r() * 20)))]);
        break;
      case 3: // duplicate a run
        b = concatBytes([b.subarray(0, at), b.subarray(at, at + Math.floor(r() * 60)), b.subarray(at)]);
        break;
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      default:
        b = plan.special!(r, b, at);
    }
  }
  return b;
}

/** Inserts a random int32 (sizes, counts, ids) in the protocol's byte order. */
export function insertInt32(littleEndian: boolean): SpecialEdit {
  return (r, b, at) => {
    const v = new Uint8Array(4);
    new DataView(v.buffer).setInt32(0, Math.floor(r() * 2 ** 32) - 2 ** 31, littleEndian);
    return concatBytes([b.subarray(0, at), v, b.subarray(at)]);
  };
}

/** Inserts decimal digits, for text protocols' lengths and counts. */
export const insertDigits: SpecialEdit = (r, b, at) =>
  concatBytes([b.subarray(0, at), new TextEncoder().encode(String(Math.floor(r() * 100000))), b.subarray(at)]);

/** `data` cut at random points: pieces of 1..small bytes or 1..large bytes, evenly mixed. */
export function randomPieces(r: Rng, data: Uint8Array, small: number, large: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length;) {
    const n = 1 + Math.floor(r() * (r() < 0.5 ? small : large));
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** What a fuzzed parser offers the feeder (ProtocolParser, Http1Connection). */
export interface ByteSink<T> {
  client(bytes: Uint8Array, nowNs: number): T[];
  server(bytes: Uint8Array, nowNs: number): T[];
  clientGap(n: number, nowNs: number): T[];
  serverGap(n: number, nowNs: number): T[];
}

export interface ChunkPlan {
  /** Time between chunks: 1..maxTickNs. */
  readonly maxTickNs: number;
  /** Chunk sizes: 1..8 bytes 30% of the time, else 1..largeChunk. */
  readonly largeChunk: number;
  /** Chance a chunk is lost to capture (only its length arrives). */
  readonly gapChance: number;
  /** Chance that a gap of bytes never in the input (past a capture prefix) follows a chunk. */
  readonly extraGapChance: number;
  /** Size of such a gap: 1..maxExtraGap, or 1..hugeExtraGap one time in ten when set. */
  readonly maxExtraGap: number;
  readonly hugeExtraGap?: number;
}

/**
 * Feeds one parser in random chunks, collecting what it returns and counting every byte fed
 * (gaps included) per side. `afterEachChunk` checks bounds that must hold at every step.
 */
export class ChunkFeeder<T> {
  readonly out: T[] = [];
  clientTotal = 0;
  serverTotal = 0;
  nowNs = 0;

  constructor(
    private readonly r: Rng,
    private readonly sink: ByteSink<T>,
    private readonly plan: ChunkPlan,
    private readonly afterEachChunk: () => void = () => {},
  ) {}

  /** Both streams, interleaved at random until each is used up. */
  both(client: Uint8Array, server: Uint8Array): void {
    let ci = 0;
    let si = 0;
    while (ci < client.length || si < server.length) {
      this.tick();
      const toClient = si >= server.length || (ci < client.length && this.r() < 0.5);
      if (toClient) ci += this.chunk(true, client, ci);
      else si += this.chunk(false, server, si);
    }
  }

  private tick(): void {
    this.nowNs += 1 + Math.floor(this.r() * this.plan.maxTickNs);
  }

  /** Sends (or loses) the next chunk of `data` from `at`; returns its length. */
  private chunk(client: boolean, data: Uint8Array, at: number): number {
    const { r, plan } = this;
    const len = Math.min(data.length - at, 1 + Math.floor(r() * (r() < 0.3 ? 8 : plan.largeChunk)));
    const roll = r();
    if (roll < plan.gapChance) this.lose(client, len);
    else {
      const piece = data.subarray(at, at + len);
      this.out.push(...(client ? this.sink.client(piece, this.nowNs) : this.sink.server(piece, this.nowNs)));
      this.count(client, len);
    }
    if (roll > 1 - plan.extraGapChance) {
      const huge = plan.hugeExtraGap;
      this.lose(client, 1 + Math.floor(r() * (huge !== undefined && r() < 0.1 ? huge : plan.maxExtraGap)));
    }
    this.afterEachChunk();
    return len;
  }

  private lose(client: boolean, n: number): void {
    this.out.push(...(client ? this.sink.clientGap(n, this.nowNs) : this.sink.serverGap(n, this.nowNs)));
    this.count(client, n);
  }

  private count(client: boolean, n: number): void {
    if (client) this.clientTotal += n;
    else this.serverTotal += n;
  }
}

/** Bytes the exchanges attribute to each side, to hold against what was fed. */
export function exchangeBytes(exchanges: readonly { requestBytes: number; responseBytes: number }[]): { request: number; response: number } {
  let request = 0;
  let response = 0;
  for (const e of exchanges) {
    request += e.requestBytes;
    response += e.responseBytes;
  }
  return { request, response };
}
