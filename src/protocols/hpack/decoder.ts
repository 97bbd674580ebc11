// HPACK header block decoding (RFC 7541) for one direction of one HTTP/2 connection.
//
// Starting mid-connection, the dynamic table's content is unknown, yet much can still be read
// exactly: static-table references and literals carry their own content, and entries inserted
// after we started are ours to track. Table indexes count by recency (62 is always the newest
// entry) and eviction always removes the oldest, so as long as no insertion has been missed since
// tracking began, index 62+k is the k-th newest insertion we saw, whatever the unseen part holds.
// An index past what we track refers to unseen state: that field is reported unknown, never
// guessed. The same reasoning makes a wrong table size harmless: evicting too early turns a later
// reference unknown, evicting too late keeps entries the encoder no longer references.
//
// Missing an insertion (a lost or undecodable header block) breaks the recency mapping, so the
// owner calls `forget()` and tracking restarts from an empty, unknown table.
//
// Never throws: malformed input yields a `problem`; decoding goes on when the representation's
// length is still known, and stops (forgetting the table) when it is not.

import { DynamicTable, ENTRY_OVERHEAD, type TableEntry } from './dynamic-table.js';
import { huffmanDecode, huffmanDecodedBound } from './huffman.js';
import { INTEGER_TOO_LARGE, readInteger } from './integer.js';
import { latin1 } from './latin1.js';
import { FIRST_DYNAMIC_INDEX, STATIC_TABLE } from './static-table.js';

export interface HeaderField {
  /** null when the field came from table state we never saw (`unknown`). */
  name: string | null;
  /** null when unknown, undecodable, or withheld (names in `redactValuesOf`). */
  value: string | null;
  /** Content came from unseen table state or could not be decoded: not a value, not a guess. */
  unknown: boolean;
}

export type HpackProblem =
  /** The block ends inside a representation. */
  | 'truncated'
  /** An integer (index, length, size) over 31 bits. */
  | 'integer-too-large'
  /** Index 0, or past the table when its whole content is known. */
  | 'index-out-of-range'
  /** A Huffman string containing EOS or with invalid padding. */
  | 'bad-huffman'
  /** A table size update above the SETTINGS_HEADER_TABLE_SIZE limit. */
  | 'size-update-too-large'
  /** A table size update after the first field of a block (RFC 7541 §4.2). */
  | 'size-update-misplaced';

export interface DecodedBlock {
  fields: HeaderField[];
  /** The first problem met; later fields may still have been decoded. */
  problem: HpackProblem | null;
}

export interface HpackDecoderOptions {
  /**
   * Whether the table's content is known from the start: true for a decoder that saw the
   * connection begin, false when capture started mid-connection (see the file comment).
   */
  tableKnown?: boolean;
  /** SETTINGS_HEADER_TABLE_SIZE this decoder's side advertised (RFC 9113 default 4096). */
  settingsLimit?: number;
  /**
   * Most table bytes kept whatever the peer negotiated (default 64 KiB): bounds memory. A
   * larger table is tracked as if it were this size, which only makes old references unknown.
   */
  capacity?: number;
  /** Lower-case names whose values are never materialised (credentials); null in fields and table. */
  redactValuesOf?: ReadonlySet<string>;
  /** Most fields returned per block (default 256); the rest still update the table. */
  maxFields?: number;
}

export const DEFAULT_TABLE_SIZE = 4096;
const DEFAULT_CAPACITY = 64 * 1024;
const DEFAULT_MAX_FIELDS = 256;
/** Scratch kept between blocks; larger Huffman strings get a temporary buffer. */
const SCRATCH_KEEP = 16 * 1024;

const NO_REDACTION: ReadonlySet<string> = new Set();

interface StringResult {
  text: string | null;
  /** Decoded octets; 0 when undecodable (a lower bound, see the file comment). */
  octets: number;
  bad: boolean;
}

export class HpackDecoder {
  private readonly table: DynamicTable;
  private readonly capacity: number;
  private readonly redact: ReadonlySet<string>;
  private readonly maxFields: number;
  private limit: number;
  private known: boolean;
  /** The encoder's table is larger than ours: references past ours are unknown, not errors. */
  private clamped = false;
  private scratch = new Uint8Array(0);
  private readonly cursor = { pos: 0 };
  /** First problem of the block being decoded. */
  private problem: HpackProblem | null = null;

  constructor(options: HpackDecoderOptions = {}) {
    this.capacity = positive(options.capacity, DEFAULT_CAPACITY);
    this.limit = positiveOrZero(options.settingsLimit, DEFAULT_TABLE_SIZE);
    this.known = options.tableKnown ?? true;
    this.redact = options.redactValuesOf ?? NO_REDACTION;
    this.maxFields = positive(options.maxFields, DEFAULT_MAX_FIELDS);
    this.clamped = this.limit > this.capacity;
    this.table = new DynamicTable(Math.min(DEFAULT_TABLE_SIZE, this.limit, this.capacity));
  }

  /** Whether every entry the encoder may reference is one we saw inserted. */
  get tableKnown(): boolean {
    return this.known;
  }

  /** Sum of entry sizes (RFC 7541 §4.1). */
  get tableSize(): number {
    return this.table.size;
  }

  get maxTableSize(): number {
    return this.table.maxSize;
  }

  /** Dynamic table entries, newest (index 62) first. */
  entries(): TableEntry[] {
    return this.table.list();
  }

  /**
   * SETTINGS_HEADER_TABLE_SIZE of this decoder's side, once acknowledged: the ceiling for the
   * encoder's size updates. The table itself changes only with a size update (RFC 7541 §4.2).
   */
  setSettingsLimit(n: number): void {
    if (Number.isFinite(n) && n >= 0) this.limit = n;
  }

  /** The connection starts here (preface seen): the table is empty and fully known. */
  reset(): void {
    this.table.clear();
    this.table.resize(Math.min(DEFAULT_TABLE_SIZE, this.limit, this.capacity));
    this.known = true;
    this.clamped = false;
  }

  /** Some header block was lost: what we track no longer lines up with the encoder's table. */
  forget(): void {
    this.table.clear();
    this.known = false;
  }

  decode(block: Uint8Array): DecodedBlock {
    const fields: HeaderField[] = [];
    this.problem = null;
    const end = block.length;
    const cursor = this.cursor;
    cursor.pos = 0;
    let sawField = false;
    while (cursor.pos < end) {
      const first = block[cursor.pos]!;
      if ((first & 0xe0) === 0x20) {
        // Dynamic table size update (§6.3).
        const size = readInteger(block, cursor, end, 5);
        if (size < 0) return this.fail(fields, this.problem ?? integerProblem(size));
        if (sawField) this.note('size-update-misplaced');
        if (this.known && size > this.limit) this.note('size-update-too-large');
        this.resize(size);
        continue;
      }
      sawField = true;
      let field: HeaderField;
      if ((first & 0x80) !== 0) {
        // Indexed header field (§6.1).
        const index = readInteger(block, cursor, end, 7);
        if (index < 0) return this.fail(fields, this.problem ?? integerProblem(index));
        const entry = this.lookup(index);
        if (entry === null) {
          this.note('index-out-of-range');
          field = { name: null, value: null, unknown: true };
        } else {
          field = { name: entry.name, value: entry.value, unknown: entry.unknown };
        }
      } else {
        // Literal (§6.2): with incremental indexing (01), without (0000) or never indexed (0001).
        const indexing = (first & 0x40) !== 0;
        const nameIndex = readInteger(block, cursor, end, indexing ? 6 : 4);
        if (nameIndex < 0) return this.fail(fields, this.problem ?? integerProblem(nameIndex));
        let name: string | null;
        let nameOctets: number;
        let unknown = false;
        if (nameIndex === 0) {
          const s = this.readString(block, end, true);
          if (s === null) return this.fail(fields, this.problem ?? 'truncated');
          if (typeof s === 'string') return this.fail(fields, this.problem ?? s);
          if (s.bad) {
            this.note('bad-huffman');
            unknown = true;
          }
          name = s.text;
          nameOctets = s.octets;
        } else {
          const entry = this.lookup(nameIndex);
          if (entry === null) this.note('index-out-of-range');
          name = entry?.name ?? null;
          unknown = entry === null || entry.name === null;
          nameOctets = name?.length ?? 0;
        }
        // A value under a name we do not know might be a credential: never materialised.
        const keep = name !== null && !this.redacted(name);
        const v = this.readString(block, end, keep);
        if (v === null) return this.fail(fields, this.problem ?? 'truncated');
        if (typeof v === 'string') return this.fail(fields, this.problem ?? v);
        if (v.bad) {
          this.note('bad-huffman');
          unknown = true;
        }
        field = { name, value: unknown ? null : v.text, unknown };
        if (indexing) {
          // Sizes of undecodable or unknown parts count as 0: a lower bound keeps entries longer,
          // which is harmless (file comment).
          this.table.add({ name: field.name, value: field.value, unknown: field.unknown, size: ENTRY_OVERHEAD + nameOctets + v.octets });
        }
      }
      if (fields.length < this.maxFields) fields.push(field);
    }
    return { fields, problem: this.problem };
  }

  /** Keeps the first problem of the block being decoded. */
  private note(p: HpackProblem): void {
    if (this.problem === null) this.problem = p;
  }

  /** The entry at HPACK `index`, an unknown one for unseen state, or null for an invalid index. */
  private lookup(index: number): TableEntry | null {
    if (index === 0) return null;
    if (index < FIRST_DYNAMIC_INDEX) {
      const entry = STATIC_ENTRIES[index - 1]!;
      return this.redacted(entry.name!) ? { ...entry, value: null } : entry;
    }
    const entry = this.table.get(index - FIRST_DYNAMIC_INDEX);
    if (entry !== undefined) return entry;
    if (!this.known || this.clamped) return UNKNOWN_ENTRY;
    // The table was supposed to be complete: we are out of step with the encoder, or it is broken.
    this.forget();
    return null;
  }

  /**
   * A string literal (§5.2). null: the block ends inside it. A problem string: its length is
   * unusable. Otherwise the text (null when not kept or undecodable) and decoded length.
   */
  private readString(block: Uint8Array, end: number, keep: boolean): StringResult | HpackProblem | null {
    const cursor = this.cursor;
    if (cursor.pos >= end) return null;
    const huffman = (block[cursor.pos]! & 0x80) !== 0;
    const length = readInteger(block, cursor, end, 7);
    if (length < 0) return integerProblem(length);
    const start = cursor.pos;
    if (length > end - start) return null;
    cursor.pos = start + length;
    if (!huffman) return { text: keep ? latin1(block, start, start + length) : null, octets: length, bad: false };
    let out: Uint8Array | null = null;
    if (keep) {
      const bound = huffmanDecodedBound(length);
      if (bound > this.scratch.length && bound <= SCRATCH_KEEP) {
        this.scratch = new Uint8Array(Math.min(SCRATCH_KEEP, Math.max(bound, this.scratch.length * 2, 256)));
      }
      out = bound <= this.scratch.length ? this.scratch : new Uint8Array(bound);
    }
    const n = huffmanDecode(block, start, start + length, out);
    if (n < 0) return { text: null, octets: 0, bad: true };
    return { text: out === null ? null : latin1(out, 0, n), octets: n, bad: false };
  }

  private resize(size: number): void {
    this.clamped = size > this.capacity;
    if (size === 0) {
      // Everything inserted before, seen or not, is gone: from here on the table is fully known.
      this.table.clear();
      this.known = true;
    }
    this.table.resize(Math.min(size, this.capacity));
  }

  /** HTTP/2 names are lower-case; a peer that breaks the rule must not slip a credential through. */
  private redacted(name: string): boolean {
    return this.redact.size > 0 && (this.redact.has(name) || this.redact.has(name.toLowerCase()));
  }

  /** The rest of the block cannot be located: insertions in it are lost. */
  private fail(fields: HeaderField[], problem: HpackProblem): DecodedBlock {
    this.forget();
    return { fields, problem };
  }
}

const STATIC_ENTRIES: readonly TableEntry[] = STATIC_TABLE.map(([name, value]) => ({
  name, value, size: ENTRY_OVERHEAD + name.length + value.length, unknown: false,
}));

const UNKNOWN_ENTRY: TableEntry = { name: null, value: null, size: ENTRY_OVERHEAD, unknown: true };

function integerProblem(code: number): HpackProblem {
  return code === INTEGER_TOO_LARGE ? 'integer-too-large' : 'truncated';
}

function positive(v: number | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

function positiveOrZero(v: number | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : fallback;
}
