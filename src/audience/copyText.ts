/**
 * PostgreSQL's COPY text format -> NDJSON, byte for byte, with no string per value: each row arrives as one
 * line of tab-separated values (NULL is `\N`; a backslash, newline, carriage return, tab, backspace, form
 * feed or vertical tab in a value arrives as `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, `\v`) and leaves as one
 * JSON object line. Each column's kind (postgresTypes.ts) has a byte-level encoder here that writes what
 * the kind's text encoder writes; a value outside its fast path (NaN, a 16-digit int8, a timestamp with
 * an offset, an array, non-ASCII bytes from a database whose encoding PostgreSQL does not check) goes
 * through the text encoder itself, so the two can never disagree.
 */
import { jsonEncoderFor, valueKindOf, type JsonEncoder, type ValueKind } from './postgresTypes';

export interface CopyColumn {
  name: string;
  typeId: number;
}

const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const QUOTE = 0x22;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const UPPER_E = 0x45;
const LOWER_E = 0x65;
const UPPER_N = 0x4e;
const LOWER_T = 0x74;
const SPACE = 0x20;
const PLUS = 0x2b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const UPPER_T = 0x54;
const UPPER_Z = 0x5a;

const KIND_CODES: Record<ValueKind | 'other', number> = { string: 0, number: 1, int8: 2, bool: 3, json: 4, timestamp: 5, other: 6 };

/** COPY's escape letter -> the byte it stands for (anything else stands for itself). */
const COPY_ESCAPES = new Map([
  [0x62, 0x08],
  [0x66, 0x0c],
  [0x6e, 0x0a],
  [0x72, 0x0d],
  [0x74, 0x09],
  [0x76, 0x0b],
]);

/** JSON.stringify's short escapes; other control characters become \u00XX. */
const JSON_SHORT_ESCAPES = new Map([
  [0x08, 0x62],
  [0x09, 0x74],
  [0x0a, 0x6e],
  [0x0c, 0x66],
  [0x0d, 0x72],
  [QUOTE, QUOTE],
  [BACKSLASH, BACKSLASH],
]);
const HEX = Buffer.from('0123456789abcdef');

/** Output a million rows' worth of lines needs no more than this unless one row is larger. */
const INITIAL_BYTES = 2 << 20;

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= ZERO && c <= NINE;
const isFieldEnd = (c: number | undefined): boolean => c === TAB || c === NEWLINE;

export class MalformedCopyError extends Error {}

/**
 * Encodes COPY text rows into NDJSON in a buffer of its own: add() the chunks as they come (a row cut at a
 * chunk's end is finished by the next), take() the lines encoded so far, finish() at the end.
 */
export class CopyTextEncoder {
  /** Rows encoded so far. */
  rows = 0;
  /** Every column's `,"name":` one after another; column i's starts at keyStarts[i]. */
  private readonly keys: Uint8Array;
  private readonly keyStarts: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly textEncoders: JsonEncoder[];
  /** 1 for a byte a JSON string holds as it is. */
  private readonly plainBytes: Uint8Array;
  /** 1 for a byte of json text copied as it is. */
  private readonly plainJsonBytes: Uint8Array;
  private out: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private used = 0;
  private carry: Buffer | undefined;
  /** The row being encoded: its bytes, where the current value starts, where the row ends. */
  private src: Buffer = Buffer.alloc(0);
  private pos = 0;
  private rowEnd = 0;
  /** Set by dataByte(). */
  private next = 0;

  /** `validUtf8`: PostgreSQL guarantees the text is UTF-8, so non-ASCII bytes are copied as they are. */
  constructor(
    columns: CopyColumn[],
    private readonly validUtf8: boolean,
  ) {
    const keys = columns.map((c) => Buffer.from(`,${JSON.stringify(c.name)}:`));
    // A plain Uint8Array of its own: reading a pooled Buffer's bytes is slower.
    this.keys = new Uint8Array(Buffer.concat(keys));
    this.keyStarts = new Int32Array(columns.length + 1);
    keys.forEach((key, i) => (this.keyStarts[i + 1] = this.keyStarts[i]! + key.length));
    this.kinds = Uint8Array.from(columns, (c) => KIND_CODES[valueKindOf(c.typeId) ?? 'other']);
    this.textEncoders = columns.map((c) => jsonEncoderFor(c.typeId));
    this.plainJsonBytes = Uint8Array.from({ length: 256 }, (_, c) => (!isFieldEnd(c) && c !== RETURN && c !== BACKSLASH && (c < 0x80 || validUtf8) ? 1 : 0));
    this.plainBytes = Uint8Array.from({ length: 256 }, (_, c) => (c >= SPACE && c !== QUOTE && c !== BACKSLASH && (c < 0x80 || validUtf8) ? 1 : 0));
  }

  /** Bytes encoded and not yet taken. */
  get pendingBytes(): number {
    return this.used;
  }

  /** The lines encoded since the last take(); the bytes are overwritten by the next add(). */
  take(): Buffer {
    const lines = this.out.subarray(0, this.used);
    this.used = 0;
    return lines;
  }

  /** Encodes every whole row in `chunk`; the part of a row at its end waits for the next chunk. */
  add(chunk: Buffer): void {
    let start = 0;
    if (this.carry) {
      const end = chunk.indexOf(NEWLINE);
      if (end === -1) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const row = Buffer.concat([this.carry, chunk.subarray(0, end + 1)]);
      this.carry = undefined;
      this.encodeRows(row, 0, row.length);
      start = end + 1;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    if (last >= start) this.encodeRows(chunk, start, last + 1);
    const rest = Math.max(start, last + 1);
    if (rest < chunk.length) this.carry = Buffer.from(chunk.subarray(rest));
  }

  /** Throws when the data ended inside a row. */
  finish(): void {
    if (this.carry) throw new MalformedCopyError('the COPY data ended inside a row');
  }

  /** `src[from, to)` holds whole rows, each ending in a newline. */
  private encodeRows(src: Buffer, from: number, to: number): void {
    this.src = src;
    this.pos = from;
    while (this.pos < to) this.encodeRow();
  }

  private encodeRow(): void {
    const src = this.src;
    const kinds = this.kinds;
    const keys = this.keys;
    const keyStarts = this.keyStarts;
    const plain = this.plainBytes;
    this.rowEnd = src.indexOf(NEWLINE, this.pos);
    // A byte of a value becomes at most 6 (\u00XX); a tab (or \N) stands for up to the 2 of "" or the 5 of false.
    this.ensure((this.rowEnd - this.pos + 1) * 6 + this.keys.length + 3);
    let out = this.out;
    let o = this.used;
    let p = this.pos;
    out[o++] = OPEN_BRACE;
    let first = true;
    for (let i = 0; i < kinds.length; i++) {
      if (i > 0) {
        if (src[p] !== TAB) throw new MalformedCopyError(`a COPY row has ${i} values, not ${kinds.length}`);
        p++;
      }
      // \N is NULL: left out, as an empty CSV cell would be.
      if (src[p] === BACKSLASH && src[p + 1] === UPPER_N && isFieldEnd(src[p + 2])) {
        p += 2;
        continue;
      }
      // `,"name":`, without its comma for the first value.
      const keyEnd = keyStarts[i + 1]!;
      for (let k = first ? keyStarts[i]! + 1 : keyStarts[i]!; k < keyEnd; k++) out[o++] = keys[k]!;
      first = false;
      if (kinds[i] === 0) {
        // The common case inline: text that JSON holds as it is.
        let q = p;
        let w = o;
        out[w++] = QUOTE;
        let c = src[q]!;
        while (plain[c] === 1) {
          out[w++] = c;
          c = src[++q]!;
        }
        if (c === TAB || c === NEWLINE) {
          out[w++] = QUOTE;
          p = q;
          o = w;
          continue;
        }
      }
      this.pos = p;
      this.used = o;
      switch (kinds[i]) {
        case 0:
          this.stringValue(i);
          break;
        case 1:
          this.numberValue(i);
          break;
        case 2:
          this.int8Value(i);
          break;
        case 3:
          this.boolValue();
          break;
        case 4:
          this.jsonValue(i);
          break;
        case 5:
          this.timestampValue(i);
          break;
        default:
          this.viaText(i);
      }
      p = this.pos;
      o = this.used;
      out = this.out;
    }
    if (p !== this.rowEnd) throw new MalformedCopyError(`a COPY row has more than ${kinds.length} values`);
    out[o++] = CLOSE_BRACE;
    out[o++] = NEWLINE;
    this.used = o;
    this.pos = p + 1;
    this.rows++;
  }

  /** A JSON string: the bytes, with what JSON must escape escaped as JSON.stringify does. */
  private stringValue(column: number): void {
    const src = this.src;
    const out = this.out;
    const plain = this.plainBytes;
    let p = this.pos;
    let o = this.used;
    out[o++] = QUOTE;
    for (let c = src[p]!; !isFieldEnd(c); c = src[p]!) {
      if (plain[c] === 1) {
        out[o++] = c;
        p++;
        continue;
      }
      c = this.dataByte(p);
      p = this.next;
      if (c >= 0x80 && !this.validUtf8) return this.viaText(column);
      if (c >= 0x80 || (c >= SPACE && c !== QUOTE && c !== BACKSLASH)) out[o++] = c;
      else o = jsonEscape(out, o, c);
    }
    out[o++] = QUOTE;
    this.pos = p;
    this.used = o;
  }

  /** json and jsonb are JSON already: copied as they are. */
  private jsonValue(column: number): void {
    const src = this.src;
    const out = this.out;
    const plain = this.plainJsonBytes;
    let p = this.pos;
    let o = this.used;
    for (let c = src[p]!; !isFieldEnd(c); c = src[p]!) {
      if (plain[c] === 1) {
        out[o++] = c;
        p++;
        continue;
      }
      c = this.dataByte(p);
      p = this.next;
      if (c >= 0x80 && !this.validUtf8) return this.viaText(column);
      // As postgresTypes.ts's jsonRaw: a line break between tokens becomes a space.
      out[o++] = c === NEWLINE || c === RETURN ? SPACE : c;
    }
    this.pos = p;
    this.used = o;
  }

  /** A JSON number as PostgreSQL prints it; NaN, Infinity and anything else go through the text encoder. */
  private numberValue(column: number): void {
    const src = this.src;
    let p = this.pos;
    if (src[p] === MINUS) p++;
    if (src[p] === ZERO) p++;
    else if (isDigit(src[p]) && src[p] !== ZERO) while (isDigit(src[p])) p++;
    else return this.viaText(column);
    if (src[p] === DOT) {
      p++;
      if (!isDigit(src[p])) return this.viaText(column);
      while (isDigit(src[p])) p++;
    }
    if (src[p] === LOWER_E || src[p] === UPPER_E) {
      p++;
      if (src[p] === PLUS || src[p] === MINUS) p++;
      if (!isDigit(src[p])) return this.viaText(column);
      while (isDigit(src[p])) p++;
    }
    if (!isFieldEnd(src[p])) return this.viaText(column);
    this.copyRaw(p);
  }

  /** Up to 15 characters an int8 is always exact as a double; longer ones are for the text encoder to judge. */
  private int8Value(column: number): void {
    const src = this.src;
    let p = this.pos;
    if (src[p] === MINUS) p++;
    if (!isDigit(src[p])) return this.viaText(column);
    while (isDigit(src[p])) p++;
    if (!isFieldEnd(src[p]) || p - this.pos > 15) return this.viaText(column);
    this.copyRaw(p);
  }

  private boolValue(): void {
    const src = this.src;
    let p = this.pos;
    const isTrue = src[p] === LOWER_T && isFieldEnd(src[p + 1]);
    while (!isFieldEnd(src[p])) p++;
    this.used = writeAscii(this.out, this.used, isTrue ? 'true' : 'false');
    this.pos = p;
  }

  /** `2024-05-31 14:00:00[.123456][+00]` (a UTC session prints nothing else) -> `"2024-05-31T14:00:00.123Z"`. */
  private timestampValue(column: number): void {
    const src = this.src;
    const s = this.pos;
    const shape =
      isDigit(src[s]) && isDigit(src[s + 1]) && isDigit(src[s + 2]) && isDigit(src[s + 3]) && src[s + 4] === MINUS &&
      isDigit(src[s + 5]) && isDigit(src[s + 6]) && src[s + 7] === MINUS && isDigit(src[s + 8]) && isDigit(src[s + 9]) &&
      src[s + 10] === SPACE && isDigit(src[s + 11]) && isDigit(src[s + 12]) && src[s + 13] === COLON &&
      isDigit(src[s + 14]) && isDigit(src[s + 15]) && src[s + 16] === COLON && isDigit(src[s + 17]) && isDigit(src[s + 18]);
    if (!shape) return this.viaText(column);
    let p = s + 19;
    let fractionEnd = p;
    if (src[p] === DOT) {
      p++;
      while (isDigit(src[p])) p++;
      fractionEnd = p;
      if (fractionEnd - s - 20 < 1 || fractionEnd - s - 20 > 6) return this.viaText(column);
    }
    if (src[p] === PLUS && src[p + 1] === ZERO && src[p + 2] === ZERO) p += 3;
    if (!isFieldEnd(src[p])) return this.viaText(column);
    const out = this.out;
    let o = this.used;
    out[o++] = QUOTE;
    src.copy(out, o, s, s + 10);
    o += 10;
    out[o++] = UPPER_T;
    src.copy(out, o, s + 11, s + 19);
    o += 8;
    out[o++] = DOT;
    for (let d = 0; d < 3; d++) out[o++] = s + 20 + d < fractionEnd ? src[s + 20 + d]! : ZERO;
    out[o++] = UPPER_Z;
    out[o++] = QUOTE;
    this.used = o;
    this.pos = p;
  }

  /** The value's bytes from this.pos to `end`, as they are (they hold no escapes). */
  private copyRaw(end: number): void {
    const src = this.src;
    const out = this.out;
    let o = this.used;
    for (let p = this.pos; p < end; p++) out[o++] = src[p]!;
    this.used = o;
    this.pos = end;
  }

  /** The value as text (COPY's escapes undone) through the column's text encoder: exact for every type. */
  private viaText(column: number): void {
    const src = this.src;
    const start = this.pos;
    let end = start;
    let escaped = false;
    while (end < this.rowEnd && !isFieldEnd(src[end])) {
      if (src[end] === BACKSLASH) {
        escaped = true;
        end++;
      }
      end++;
    }
    const text = escaped ? this.unescapedText(start, end) : src.toString('utf8', start, end);
    const json = this.textEncoders[column]!(text);
    // A UTF-16 code unit takes at most 3 bytes; the rest of the row keeps the room encodeRow() made for it.
    this.ensure(json.length * 3 + (this.rowEnd - end + 1) * 6 + this.keys.length + 3);
    this.used += this.out.write(json, this.used);
    this.pos = end;
  }

  private unescapedText(start: number, end: number): string {
    const bytes = Buffer.allocUnsafe(end - start);
    let n = 0;
    for (let p = start; p < end; p = this.next) bytes[n++] = this.dataByte(p);
    return bytes.toString('utf8', 0, n);
  }

  /** The byte of the value at `p`, a COPY escape undone; this.next is where the next one starts. */
  private dataByte(p: number): number {
    const c = this.src[p]!;
    if (c !== BACKSLASH) {
      this.next = p + 1;
      return c;
    }
    const letter = this.src[p + 1];
    if (letter === undefined || isFieldEnd(letter)) throw new MalformedCopyError('a COPY value ends in a lone backslash');
    this.next = p + 2;
    return COPY_ESCAPES.get(letter) ?? letter;
  }

  /** Room for `bytes` more after what is encoded (kept across take(), so a grown buffer stays grown). */
  private ensure(bytes: number): void {
    if (this.used + bytes <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.used + bytes));
    this.out.copy(grown, 0, 0, this.used);
    this.out = grown;
  }
}

/** `c` (a byte JSON must escape) as JSON.stringify writes it. */
function jsonEscape(out: Buffer, o: number, c: number): number {
  out[o++] = BACKSLASH;
  const short = JSON_SHORT_ESCAPES.get(c);
  if (short !== undefined) {
    out[o++] = short;
    return o;
  }
  out[o++] = 0x75;
  out[o++] = ZERO;
  out[o++] = ZERO;
  out[o++] = HEX[c >> 4]!;
  out[o++] = HEX[c & 15]!;
  return o;
}

function writeAscii(out: Buffer, o: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[o++] = text.charCodeAt(i);
  return o;
}
