// Which functions an ELF file exports, from its .dynsym section: enough to tell whether an
// executable carries its own TLS library (Node.js links OpenSSL statically and exports SSL_write).
// Pure: bytes come through an ElfSource, so a test hands in a Buffer and discovery a file.

/** Random access to a file's bytes; `read` may return fewer bytes than asked (end of file). */
export interface ElfSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

export type ElfSymbolsResult =
  | { ok: true; functions: Set<string> }
  | { ok: false; reason: 'not-elf' | 'truncated' | 'no-dynsym' | 'too-large' };

const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const SHN_UNDEF = 0;
/** Larger symbol or string tables are refused (node's are a few MB): bounded memory whatever the file. */
export const MAX_TABLE_BYTES = 64 * 1024 * 1024;
/** Section headers read at most (real files have tens). */
const MAX_SECTIONS = 4096;

interface Reader {
  u8(b: Uint8Array, at: number): number;
  u16(b: Uint8Array, at: number): number;
  u32(b: Uint8Array, at: number): number;
  /** 64-bit values as numbers: offsets and sizes of real files are far below 2^53. */
  u64(b: Uint8Array, at: number): number;
}

function reader(littleEndian: boolean): Reader {
  const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    u8: (b, at) => b[at] ?? 0,
    u16: (b, at) => view(b).getUint16(at, littleEndian),
    u32: (b, at) => view(b).getUint32(at, littleEndian),
    u64: (b, at) => {
      const v = view(b);
      const lo = v.getUint32(at + (littleEndian ? 0 : 4), littleEndian);
      const hi = v.getUint32(at + (littleEndian ? 4 : 0), littleEndian);
      return hi * 4294967296 + lo;
    },
  };
}

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

function readExactly(source: ElfSource, offset: number, length: number): Uint8Array | null {
  if (offset < 0 || length < 0 || offset + length > source.size) return null;
  const b = source.read(offset, length);
  return b.length === length ? b : null;
}

/**
 * The names in `wanted` that the file defines as functions (FUNC or IFUNC symbols with a section)
 * in its dynamic symbol table. Only wanted names are decoded, so the answer stays small.
 */
export function exportedFunctions(source: ElfSource, wanted: ReadonlySet<string>): ElfSymbolsResult {
  const ident = readExactly(source, 0, 16);
  if (ident === null) return { ok: false, reason: source.size < 16 ? 'truncated' : 'not-elf' };
  if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) return { ok: false, reason: 'not-elf' };
  const is64 = ident[4] === 2;
  if (!is64 && ident[4] !== 1) return { ok: false, reason: 'not-elf' };
  if (ident[5] !== 1 && ident[5] !== 2) return { ok: false, reason: 'not-elf' };
  const r = reader(ident[5] === 1);

  const header = readExactly(source, 0, is64 ? 64 : 52);
  if (header === null) return { ok: false, reason: 'truncated' };
  const shoff = is64 ? r.u64(header, 0x28) : r.u32(header, 0x20);
  const shentsize = r.u16(header, is64 ? 0x3a : 0x2e);
  const shnum = r.u16(header, is64 ? 0x3c : 0x30);
  const minEntry = is64 ? 64 : 40;
  if (shoff === 0 || shnum === 0) return { ok: false, reason: 'no-dynsym' };
  if (shentsize < minEntry || shnum > MAX_SECTIONS) return { ok: false, reason: 'not-elf' };
  const table = readExactly(source, shoff, shentsize * shnum);
  if (table === null) return { ok: false, reason: 'truncated' };

  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = i * shentsize;
    sections.push(is64
      ? { type: r.u32(table, at + 4), offset: r.u64(table, at + 24), size: r.u64(table, at + 32), link: r.u32(table, at + 40), entsize: r.u64(table, at + 56) }
      : { type: r.u32(table, at + 4), offset: r.u32(table, at + 16), size: r.u32(table, at + 20), link: r.u32(table, at + 24), entsize: r.u32(table, at + 36) });
  }
  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  if (dynsym === undefined) return { ok: false, reason: 'no-dynsym' };
  const strtab = sections[dynsym.link];
  if (strtab === undefined) return { ok: false, reason: 'not-elf' };
  if (dynsym.size > MAX_TABLE_BYTES || strtab.size > MAX_TABLE_BYTES) return { ok: false, reason: 'too-large' };
  const symSize = is64 ? 24 : 16;
  const entsize = dynsym.entsize >= symSize ? dynsym.entsize : symSize;
  const syms = readExactly(source, dynsym.offset, dynsym.size);
  const strs = readExactly(source, strtab.offset, strtab.size);
  if (syms === null || strs === null) return { ok: false, reason: 'truncated' };

  const byLength = new Map<number, string[]>();
  for (const name of wanted) {
    const list = byLength.get(name.length);
    if (list) list.push(name);
    else byLength.set(name.length, [name]);
  }
  const functions = new Set<string>();
  const count = Math.floor(syms.length / entsize);
  for (let i = 0; i < count; i++) {
    const at = i * entsize;
    const info = r.u8(syms, at + (is64 ? 4 : 12));
    const shndx = r.u16(syms, at + (is64 ? 6 : 14));
    const type = info & 0xf;
    if ((type !== STT_FUNC && type !== STT_GNU_IFUNC) || shndx === SHN_UNDEF) continue;
    const nameAt = r.u32(syms, at);
    const name = nameIfWanted(strs, nameAt, byLength);
    if (name !== null) functions.add(name);
  }
  return { ok: true, functions };
}

function nameIfWanted(strs: Uint8Array, at: number, byLength: ReadonlyMap<number, string[]>): string | null {
  if (at >= strs.length) return null;
  let end = at;
  while (end < strs.length && strs[end] !== 0) end++;
  const candidates = byLength.get(end - at);
  if (candidates === undefined) return null;
  for (const name of candidates) {
    let same = true;
    for (let i = 0; i < name.length && same; i++) same = strs[at + i] === name.charCodeAt(i);
    if (same) return name;
  }
  return null;
}
