import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { exportedFunctions, type ElfSource } from './elf-symbols.js';

interface Sym { name: string; type: number; defined: boolean }

/** A minimal ELF: null section, .dynsym, .dynstr; header and section table as the spec lays them out. */
function buildElf(options: { is64: boolean; little: boolean; symbols: Sym[]; dynsymType?: number }): Buffer {
  const { is64, little, symbols } = options;
  const strParts: Buffer[] = [Buffer.from([0])];
  const nameOffsets: number[] = [];
  let strLen = 1;
  for (const s of symbols) {
    nameOffsets.push(strLen);
    const b = Buffer.from(`${s.name}\0`, 'latin1');
    strParts.push(b);
    strLen += b.length;
  }
  const dynstr = Buffer.concat(strParts);
  const symSize = is64 ? 24 : 16;
  const dynsym = Buffer.alloc(symSize * (symbols.length + 1));
  const w = (b: Buffer, at: number, v: number, size: 1 | 2 | 4 | 8): void => {
    if (size === 1) b.writeUInt8(v, at);
    else if (size === 2) little ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at);
    else if (size === 4) little ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at);
    else little ? b.writeBigUInt64LE(BigInt(v), at) : b.writeBigUInt64BE(BigInt(v), at);
  };
  symbols.forEach((s, i) => {
    const at = (i + 1) * symSize;
    w(dynsym, at, nameOffsets[i] ?? 0, 4);
    const info = (1 << 4) | s.type; // GLOBAL
    const shndx = s.defined ? 12 : 0;
    if (is64) {
      w(dynsym, at + 4, info, 1);
      w(dynsym, at + 6, shndx, 2);
      w(dynsym, at + 8, 0x1000 + i, 8);
    } else {
      w(dynsym, at + 4, 0x1000 + i, 4);
      w(dynsym, at + 12, info, 1);
      w(dynsym, at + 14, shndx, 2);
    }
  });
  const headerSize = is64 ? 64 : 52;
  const shentsize = is64 ? 64 : 40;
  const strOff = headerSize;
  const symOff = strOff + dynstr.length;
  const shoff = symOff + dynsym.length;
  const shdrs = Buffer.alloc(shentsize * 3);
  const section = (i: number, type: number, offset: number, size: number, link: number, entsize: number): void => {
    const at = i * shentsize;
    w(shdrs, at + 4, type, 4);
    if (is64) {
      w(shdrs, at + 24, offset, 8);
      w(shdrs, at + 32, size, 8);
      w(shdrs, at + 40, link, 4);
      w(shdrs, at + 56, entsize, 8);
    } else {
      w(shdrs, at + 16, offset, 4);
      w(shdrs, at + 20, size, 4);
      w(shdrs, at + 24, link, 4);
      w(shdrs, at + 36, entsize, 4);
    }
  };
  section(1, options.dynsymType ?? 11, symOff, dynsym.length, 2, symSize);
  section(2, 3, strOff, dynstr.length, 0, 0);
  const header = Buffer.alloc(headerSize);
  header.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, little ? 1 : 2, 1], 0);
  if (is64) {
    w(header, 0x28, shoff, 8);
    w(header, 0x3a, shentsize, 2);
    w(header, 0x3c, 3, 2);
  } else {
    w(header, 0x20, shoff, 4);
    w(header, 0x2e, shentsize, 2);
    w(header, 0x30, 3, 2);
  }
  return Buffer.concat([header, dynstr, dynsym, shdrs]);
}

const source = (b: Uint8Array): ElfSource => ({ size: b.length, read: (offset, length) => b.subarray(offset, offset + length) });
const WANTED = new Set(['SSL_write', 'SSL_read', 'gnutls_record_send']);
const FUNC = 2;
const OBJECT = 1;
const IFUNC = 10;

describe('exportedFunctions', () => {
  const cases: { name: string; elf: () => Uint8Array; want: string[] | string }[] = [
    {
      name: '64-bit little-endian: defined functions only',
      elf: () => buildElf({ is64: true, little: true, symbols: [
        { name: 'SSL_write', type: FUNC, defined: true },
        { name: 'SSL_read', type: FUNC, defined: false },
        { name: 'gnutls_record_send', type: OBJECT, defined: true },
        { name: 'SSL_write_ex', type: FUNC, defined: true },
      ] }),
      want: ['SSL_write'],
    },
    {
      name: '32-bit big-endian',
      elf: () => buildElf({ is64: false, little: false, symbols: [
        { name: 'SSL_read', type: FUNC, defined: true },
        { name: 'SSL_write', type: FUNC, defined: true },
      ] }),
      want: ['SSL_read', 'SSL_write'],
    },
    {
      name: 'IFUNC symbols count as functions',
      elf: () => buildElf({ is64: true, little: true, symbols: [{ name: 'gnutls_record_send', type: IFUNC, defined: true }] }),
      want: ['gnutls_record_send'],
    },
    {
      name: 'a name that is a prefix of a wanted one does not match',
      elf: () => buildElf({ is64: true, little: true, symbols: [{ name: 'SSL_writ', type: FUNC, defined: true }, { name: 'SSL_reader', type: FUNC, defined: true }] }),
      want: [],
    },
    { name: 'no dynsym section', elf: () => buildElf({ is64: true, little: true, symbols: [], dynsymType: 2 }), want: 'no-dynsym' },
    { name: 'not ELF', elf: () => Buffer.from('#!/bin/sh\necho hello, this is a script\n'), want: 'not-elf' },
    { name: 'too short for an ident', elf: () => Buffer.from([0x7f, 0x45]), want: 'truncated' },
    {
      name: 'section table cut off',
      elf: () => {
        const b = buildElf({ is64: true, little: true, symbols: [{ name: 'SSL_write', type: FUNC, defined: true }] });
        return b.subarray(0, b.length - 10);
      },
      want: 'truncated',
    },
    {
      name: 'string table pointing past the end',
      elf: () => {
        const b = buildElf({ is64: true, little: true, symbols: [{ name: 'SSL_write', type: FUNC, defined: true }] });
        const shoff = Number(b.readBigUInt64LE(0x28));
        b.writeBigUInt64LE(BigInt(b.length * 4), shoff + 2 * 64 + 24);
        return b;
      },
      want: 'truncated',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = exportedFunctions(source(c.elf()), WANTED);
      if (typeof c.want === 'string') {
        assert.deepEqual(r, { ok: false, reason: c.want });
      } else {
        assert.equal(r.ok, true);
        if (r.ok) assert.deepEqual([...r.functions].sort(), [...c.want].sort());
      }
    });
  }

  it('never throws on random bytes or mutated files', () => {
    let seed = 0x5eed;
    const rand = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const base = buildElf({ is64: true, little: true, symbols: [{ name: 'SSL_write', type: FUNC, defined: true }, { name: 'SSL_read', type: FUNC, defined: true }] });
    for (let i = 0; i < 100_000; i++) {
      const b = Buffer.from(base);
      const flips = 1 + Math.floor(rand() * 8);
      for (let f = 0; f < flips; f++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.2 ? b.subarray(0, Math.floor(rand() * b.length)) : b;
      const r = exportedFunctions(source(cut), WANTED);
      assert.equal(typeof r.ok, 'boolean', `case ${i} (seed 0x5eed)`);
    }
  });

  const libssl = '/usr/lib/x86_64-linux-gnu/libssl.so.3';
  it('the real libssl exports SSL_write and SSL_read', (t) => {
    if (!existsSync(libssl)) {
      t.skip('no libssl.so.3 here');
      return;
    }
    const r = exportedFunctions(source(readFileSync(libssl)), WANTED);
    assert.equal(r.ok, true);
    if (r.ok) assert.deepEqual([...r.functions].sort(), ['SSL_read', 'SSL_write']);
  });
});
