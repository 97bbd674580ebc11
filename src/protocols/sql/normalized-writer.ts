// Writes the normalised text from the tokens: one space wherever the original had whitespace or
// a comment, and lists whose length depends on the data folded to one element, so that a query
// sent with 3 ids and with 300 ids normalises (and hashes) the same:
//   IN (?, ?, ?)            → IN (?)        (also IN ($1, $2, $3) → IN ($1))
//   VALUES (?, ?), (?, ?)   → VALUES (?, ?) (every row after the first, whatever it holds)
// It keeps only the first `cap` characters; folding happens before the cap, so a huge list of
// values costs its scan time but no output.

import type { SqlTokenKind } from './lexer.js';

type ListState =
  | 'none'
  /** Just wrote `IN (`. */
  | 'in-open'
  /** Wrote the list's first value. */
  | 'in-value'
  /** Holding a comma after a value: it is dropped if another value follows. */
  | 'in-comma'
  /** Writing the first VALUES row. */
  | 'values-row'
  | 'values-after-row'
  /** Holding a comma after a row: it is dropped if another row follows. */
  | 'values-comma'
  /** Dropping a later row. */
  | 'values-skip';

export class NormalizedWriter {
  private readonly parts: string[] = [];
  private length = 0;
  private full = false;
  private state: ListState = 'none';
  private depth = 0;
  private heldSpaced = false;
  private lastWord = '';

  constructor(private readonly cap: number) {}

  /** No more output would be kept. */
  get isFull(): boolean {
    return this.full;
  }

  add(kind: SqlTokenKind, text: string, spaced: boolean): void {
    const isValue = kind === 'literal' || kind === 'placeholder';
    const isSemicolon = kind === 'punct' && text === ';';
    switch (this.state) {
      case 'in-open':
        if (isValue) {
          this.state = 'in-value';
          this.write(text, spaced);
          return;
        }
        break;
      case 'in-value':
        if (kind === 'punct' && text === ',') {
          this.state = 'in-comma';
          this.heldSpaced = spaced;
          return;
        }
        break;
      case 'in-comma':
        if (isValue) {
          this.state = 'in-value';
          return;
        }
        this.write(',', this.heldSpaced);
        break;
      case 'values-row':
        if (isSemicolon) break;
        this.write(text, spaced);
        if (kind === 'punct' && text === '(') this.depth++;
        else if (kind === 'punct' && text === ')' && --this.depth === 0) this.state = 'values-after-row';
        return;
      case 'values-after-row':
        if (kind === 'punct' && text === ',') {
          this.state = 'values-comma';
          this.heldSpaced = spaced;
          return;
        }
        break;
      case 'values-comma':
        if (kind === 'punct' && text === '(') {
          this.state = 'values-skip';
          this.depth = 1;
          return;
        }
        this.write(',', this.heldSpaced);
        break;
      case 'values-skip':
        if (isSemicolon) break;
        if (kind === 'punct' && text === '(') this.depth++;
        else if (kind === 'punct' && text === ')' && --this.depth === 0) this.state = 'values-after-row';
        return;
      case 'none':
        break;
    }
    // Not (or no longer) in a list.
    this.state = 'none';
    if (kind === 'punct' && text === '(') {
      if (this.lastWord === 'IN') this.state = 'in-open';
      else if (this.lastWord === 'VALUES') {
        this.state = 'values-row';
        this.depth = 1;
      }
    }
    this.lastWord = kind === 'word' && text.length <= 6 ? text.toUpperCase() : '';
    this.write(text, spaced);
  }

  /** The text, cut to `cap` characters with `…` as the last one when it was longer. */
  finish(): string {
    if (this.state === 'in-comma' || this.state === 'values-comma') this.write(',', this.heldSpaced);
    const text = this.parts.join('');
    if (text.length <= this.cap) return text;
    let cut = this.cap - 1;
    // Do not leave half of a surrogate pair before the mark.
    const last = text.charCodeAt(cut - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut--;
    return text.slice(0, cut) + '…';
  }

  private write(text: string, spaced: boolean): void {
    if (this.full) return;
    const piece = spaced && this.length > 0 ? ' ' + text : text;
    // Past the cap only one character matters (that there was more), so long tokens are cut here.
    const room = this.cap + 1 - this.length;
    const kept = piece.length > room ? piece.slice(0, room) : piece;
    this.parts.push(kept);
    this.length += kept.length;
    if (this.length > this.cap) this.full = true;
  }
}
