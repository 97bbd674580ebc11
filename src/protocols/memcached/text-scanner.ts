// Incremental framing of one direction of a memcached text-protocol connection: lines ending in
// LF (memcached also accepts a bare LF from clients), each optionally followed by a data block
// whose length the line declared (storage commands, VALUE and VA replies).
//
// Lines are tokenised on the fly and never buffered: only the first TOKEN_SLOTS tokens are kept,
// each cut to TOKEN_CAP bytes, plus the meta-protocol flags pairing needs (`q`, `O<opaque>`,
// `S<size>`) and whether the last token is `noreply`. A data block is skipped by count, so a gap
// inside it is counted through without losing the framing. Memory is fixed whatever the input.

/** Tokens kept per line: enough for `cas <key> <flags> <exptime> <bytes> <cas>`. */
export const TOKEN_SLOTS = 6;
/** Longest token prefix kept: command names, reply codes, numbers, opaques (≤ 32 bytes in memcached). */
export const TOKEN_CAP = 32;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;

/** Largest integer token read as a number: data blocks beyond 2^53 bytes do not exist. */
const MAX_NUMBER_DIGITS = 15;

export type TextCut = 'gap' | 'closed';

/** The line the scanner just finished. One object, reused: read it during the callback. */
export class TextLine {
  /** Tokens on the line. */
  count = 0;
  /** Whole line on the wire, terminator included. */
  bytes = 0;
  startNs = 0;
  endNs = 0;
  /** null for a whole line; otherwise why it ended early. */
  cut: TextCut | null = null;
  /** The first line after lost bytes: it may be the tail of a line whose start was lost. */
  afterLoss = false;
  /** The first token ended (a separator or the terminator followed it). */
  firstTokenComplete = false;
  /** A `q` flag token (meta commands: quiet mode). */
  quiet = false;
  /** The `O` flag's token (meta opaque), null when absent. */
  opaque: string | null = null;
  /** A `C<cas>` flag token (meta compare-and-swap): only such a command can get `EX`. */
  compareFlag = false;
  /** The `S` flag's number (the meta set size of memcached 1.6 before `ms <key> <datalen>`), -1 when absent. */
  sizeFlag = -1;
  /** The last token is `noreply`. */
  lastIsNoreply = false;
  /** @internal */ readonly slotBytes: number[] = [];
  /** @internal Captured length per slot (-1: no such token). */
  readonly slotLength: number[] = new Array<number>(TOKEN_SLOTS).fill(-1);
  /** @internal Whole length per slot, beyond the captured prefix. */
  readonly slotFullLength: number[] = new Array<number>(TOKEN_SLOTS).fill(0);

  /** Prefix (latin1, ≤ TOKEN_CAP bytes) of token `i`, null when the line has no such token. */
  token(i: number): string | null {
    const n = this.slotLength[i];
    if (n === undefined || n < 0) return null;
    let s = '';
    for (let k = 0; k < n; k++) s += String.fromCharCode(this.slotBytes[i * TOKEN_CAP + k]!);
    return s;
  }

  /** Token `i` as a non-negative integer, or -1 when it is not all digits (or absent, or huge). */
  tokenNumber(i: number): number {
    const n = this.slotLength[i];
    if (n === undefined || n <= 0 || n > MAX_NUMBER_DIGITS || this.slotFullLength[i] !== n) return -1;
    let v = 0;
    for (let k = 0; k < n; k++) {
      const b = this.slotBytes[i * TOKEN_CAP + k]!;
      if (b < 0x30 || b > 0x39) return -1;
      v = v * 10 + (b - 0x30);
    }
    return v;
  }
}

/** A data block that followed a line. */
export interface DataBlock {
  /** Bytes on the wire, the trailing CRLF included (counted through gaps). */
  bytes: number;
  endNs: number;
  cut: TextCut | null;
}

export interface TextListener {
  /** A line ended (or was cut). Call `expectData` from here when the line announces a data block. */
  onLine(line: TextLine): void;
  /** The data block announced by the last line ended (or was cut). */
  onData(block: DataBlock): void;
  /** Bytes were lost where they could not be counted through: the next line may be a fragment. */
  onLoss(): void;
}

export class TextScanner {
  private readonly line = new TextLine();
  private readonly block: DataBlock = { bytes: 0, endNs: 0, cut: null };
  private inLine = false;
  private inData = false;
  private dataLeft = 0;
  private pendingData = -1;
  private lossPending = false;
  private skipped = 0;

  private inToken = false;
  private tokenIndex = 0;
  private tokenLength = 0;
  /** Prefix of the token being read. */
  private readonly current: number[] = [];

  /**
   * `flagsFrom`: index of the first token that may be a meta flag (2 for commands: after the
   * command and the key; 1 for replies: after the code).
   */
  constructor(private readonly flagsFrom: number, private readonly listener: TextListener) {}

  /** Bytes that belonged to no line or block: lost in gaps that could not be counted through. */
  get skippedBytes(): number {
    return this.skipped;
  }

  /** Token prefixes held for the line in progress (bounded by (TOKEN_SLOTS + 1) × TOKEN_CAP). */
  get bufferedBytes(): number {
    if (!this.inLine) return 0;
    let n = this.inToken ? this.current.length : 0;
    for (let i = 0; i < TOKEN_SLOTS; i++) n += Math.max(0, this.line.slotLength[i]!);
    return n;
  }

  /** Between lines: nothing half-read. */
  get idle(): boolean {
    return !this.inLine && !this.inData;
  }

  /** The line being reported announces a data block of `n` bytes (plus CRLF). */
  expectData(n: number): void {
    if (n >= 0) this.pendingData = n;
  }

  push(bytes: Uint8Array, nowNs: number): void {
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      if (this.inData) {
        const take = Math.min(this.dataLeft, n - i);
        this.dataLeft -= take;
        this.block.bytes += take;
        this.block.endNs = nowNs;
        i += take;
        if (this.dataLeft === 0) this.endData(null);
        continue;
      }
      if (!this.inLine) this.beginLine(nowNs);
      const b = bytes[i++]!;
      this.line.bytes++;
      if (b === LF) {
        this.endToken();
        this.line.endNs = nowNs;
        this.endLine(null);
      } else if (b === SP || b === HT || b === CR) {
        this.endToken();
      } else {
        this.tokenByte(b);
      }
    }
    if (this.inLine) this.line.endNs = nowNs;
  }

  /**
   * `n` bytes were not captured. Inside a data block they are counted through; inside a line
   * the line is cut; either way, past what can be counted, the next line is flagged `afterLoss`.
   * Returns true when the gap was counted through.
   */
  gap(n: number, nowNs: number): boolean {
    if (!(n > 0)) return true;
    if (this.inData) {
      if (n <= this.dataLeft) {
        this.dataLeft -= n;
        this.block.bytes += n;
        this.block.endNs = nowNs;
        if (this.dataLeft === 0) this.endData(null);
        return true;
      }
      // The rest of the block certainly belonged to it; what follows is lost.
      this.block.bytes += this.dataLeft;
      this.skipped += n - this.dataLeft;
      this.block.endNs = nowNs;
      this.dataLeft = 0;
      this.endData('gap');
    } else if (this.inLine) {
      this.skipped += n;
      this.line.endNs = nowNs;
      this.cutLine('gap');
    } else {
      this.skipped += n;
    }
    this.lossPending = true;
    this.listener.onLoss();
    return false;
  }

  /** The stream ended: a line or block in progress is reported cut. */
  end(nowNs: number): void {
    if (this.inData) {
      this.block.endNs = nowNs;
      this.endData('closed');
    } else if (this.inLine) {
      this.line.endNs = nowNs;
      this.cutLine('closed');
    }
  }

  private cutLine(cut: TextCut): void {
    // A cut inside the first token leaves only a prefix of the command name.
    const insideFirst = this.inToken && this.tokenIndex === 0;
    this.endToken();
    if (insideFirst) this.line.firstTokenComplete = false;
    this.endLine(cut);
  }

  private beginLine(nowNs: number): void {
    const l = this.line;
    this.inLine = true;
    l.count = 0;
    l.bytes = 0;
    l.startNs = nowNs;
    l.endNs = nowNs;
    l.cut = null;
    l.afterLoss = this.lossPending;
    this.lossPending = false;
    l.firstTokenComplete = false;
    l.quiet = false;
    l.opaque = null;
    l.sizeFlag = -1;
    l.compareFlag = false;
    l.lastIsNoreply = false;
    for (let k = 0; k < TOKEN_SLOTS; k++) {
      l.slotLength[k] = -1;
      l.slotFullLength[k] = 0;
    }
    this.inToken = false;
    this.tokenIndex = 0;
  }

  private tokenByte(b: number): void {
    if (!this.inToken) {
      this.inToken = true;
      this.tokenLength = 0;
      this.current.length = 0;
    }
    if (this.tokenLength < TOKEN_CAP) this.current.push(b);
    this.tokenLength++;
  }

  private endToken(): void {
    if (!this.inToken) return;
    this.inToken = false;
    const l = this.line;
    const i = this.tokenIndex++;
    l.count++;
    const cur = this.current;
    if (i === 0) l.firstTokenComplete = true;
    if (i < TOKEN_SLOTS) {
      for (let k = 0; k < cur.length; k++) l.slotBytes[i * TOKEN_CAP + k] = cur[k]!;
      l.slotLength[i] = cur.length;
      l.slotFullLength[i] = this.tokenLength;
    }
    l.lastIsNoreply = this.tokenLength === 7 && String.fromCharCode(...cur) === 'noreply';
    if (i >= this.flagsFrom && cur.length > 0) {
      const flag = cur[0]!;
      if (flag === 0x71 /* q */ && this.tokenLength === 1) l.quiet = true;
      else if (flag === 0x4f /* O */ && l.opaque === null) l.opaque = String.fromCharCode(...cur.slice(1));
      else if (flag === 0x53 /* S */ && l.sizeFlag < 0) l.sizeFlag = digitsValue(cur, 1, this.tokenLength);
      else if (flag === 0x43 /* C */) l.compareFlag = true;
    }
  }

  private endLine(cut: TextCut | null): void {
    const l = this.line;
    l.cut = cut;
    this.inLine = false;
    this.pendingData = -1;
    this.listener.onLine(l);
    if (cut === null && this.pendingData >= 0) {
      this.inData = true;
      this.dataLeft = this.pendingData + 2;
      this.block.bytes = 0;
      this.block.endNs = l.endNs;
      this.block.cut = null;
    }
    this.pendingData = -1;
  }

  private endData(cut: TextCut | null): void {
    this.inData = false;
    this.block.cut = cut;
    this.listener.onData(this.block);
  }
}

function digitsValue(cur: readonly number[], from: number, fullLength: number): number {
  if (fullLength !== cur.length || cur.length - from <= 0 || cur.length - from > MAX_NUMBER_DIGITS) return -1;
  let v = 0;
  for (let k = from; k < cur.length; k++) {
    const b = cur[k]!;
    if (b < 0x30 || b > 0x39) return -1;
    v = v * 10 + (b - 0x30);
  }
  return v;
}
