/**
 * The part of a SIP message every transaction reads: Via, From, To, Call-ID, CSeq,
 * Contact, Max-Forwards, Expires and Content-Length. Each has a plain slot (no Map, no
 * closure per read) and is parsed in place from the received text while the header
 * lines are still the parser's raw index. message.ts adds the other typed headers.
 */
import { SipHeaders } from './headers.js';
import { SipHeaderError } from './errors.js';
import type { NameAddr } from './name-addr.js';
import { parseNameAddr, parseNameAddrs } from './name-addr.js';
import type { Via } from './via.js';
import { parseVias, scanVia } from './via.js';
import type { RawHeaderIndex } from './raw-headers.js';
import { H_CALL_ID, H_CONTACT, H_CONTENT_LENGTH, H_CSEQ, H_EXPIRES, H_FROM, H_MAX_FORWARDS, H_TO, H_VIA } from './raw-headers.js';
import type { CSeq } from './header-values.js';
import { parseCSeq, parseCSeqIn, parseNameAddrHeader, parseNameAddrList, parseUnsigned, parseViaList } from './header-values.js';
import { trimWs } from './lex.js';

export const SIP_VERSION = 'SIP/2.0';

const EMPTY_BODY = Buffer.alloc(0);

/** Slot value of a number header not read yet (undefined means read and absent). */
const UNREAD = null;

export abstract class SipMessageCore {
  headers: SipHeaders;
  body: Buffer;
  /** Only 'SIP/2.0' is ever produced; the parser rejects anything else with 505. */
  version: string = SIP_VERSION;
  /**
   * Other typed headers once read: key, value, key, value... Created on first use, and
   * searched linearly: a message has a handful at most (a Map costs more to make).
   */
  private cache: unknown[] | undefined;
  private viasValue: Via[] | undefined = undefined;
  private topViaValue: Via | undefined = undefined;
  private fromValue: NameAddr | undefined = undefined;
  private toValue: NameAddr | undefined = undefined;
  private callIdValue: string | undefined = undefined;
  private cseqValue: CSeq | undefined = undefined;
  private contactsValue: NameAddr[] | undefined = undefined;
  private maxForwardsValue: number | undefined | typeof UNREAD = UNREAD;
  private expiresValue: number | undefined | typeof UNREAD = UNREAD;
  private contentLengthValue: number | undefined | typeof UNREAD = UNREAD;

  constructor(headers: SipHeaders = new SipHeaders(), body: Buffer = EMPTY_BODY) {
    this.headers = headers;
    this.body = body;
  }

  /** Call after changing `headers` directly so typed accessors re-read them. */
  invalidate(): void {
    this.cache = undefined;
    this.viasValue = undefined;
    this.topViaValue = undefined;
    this.fromValue = undefined;
    this.toValue = undefined;
    this.callIdValue = undefined;
    this.cseqValue = undefined;
    this.contactsValue = undefined;
    this.maxForwardsValue = UNREAD;
    this.expiresValue = UNREAD;
    this.contentLengthValue = UNREAD;
  }

  /**
   * parse(every line of header `key`, `name`), cached. `parse` is a module-level function,
   * not a closure made per read.
   */
  protected parsedLines<T>(key: string, name: string, parse: (lines: string[], name: string) => T): T {
    let cache = this.cache;
    if (cache === undefined) cache = this.cache = [];
    else for (let i = 0; i < cache.length; i += 2) if (cache[i] === key) return cache[i + 1] as T;
    const value = parse(this.headers.getAll(key), name);
    cache.push(key, value);
    return value;
  }

  setHeader(name: string, value: string | number): this {
    this.headers.set(name, value);
    this.invalidate();
    return this;
  }

  appendHeader(name: string, value: string | number): this {
    this.headers.append(name, value);
    this.invalidate();
    return this;
  }

  removeHeader(name: string): this {
    this.headers.removeAll(name);
    this.invalidate();
    return this;
  }

  /**
   * @internal Puts `top` in place of the top Via as via-policy's replaceTopVia does (a
   * first line holding a comma list becomes one line per value), but forgets only the
   * parsed Vias: received/rport are stamped after validation parsed everything else. A
   * received first line holding one value is rewritten where it is, in the raw text, and
   * `top` (handed over: the caller keeps no other use of it) becomes the parsed top Via.
   */
  replaceTopViaKeepingOthers(top: Via): void {
    const headers = this.headers;
    this.viasValue = undefined;
    this.topViaValue = undefined;
    const raw = headers.rawIndex;
    if (raw !== undefined) {
      const line = raw.firstOf[H_VIA]!;
      const comma = line < 0 ? -1 : raw.text.indexOf(',', raw.offs[line * 4 + 2]!);
      if (line >= 0 && (comma < 0 || comma >= raw.offs[line * 4 + 3]!) && headers.replaceFirstKnown(H_VIA, top.toString())) {
        // The line now reads as `top` does: the transaction layer reads it next, unscanned.
        this.topViaValue = top;
        return;
      }
    }
    const first = headers.get('via');
    const rest = first === undefined || first.indexOf(',') < 0 ? [] : parseVias(first).slice(1);
    if (first !== undefined) headers.removeFirst('via');
    for (let i = rest.length - 1; i >= 0; i--) headers.prepend('via', rest[i]!.toString());
    headers.prepend('via', top.toString());
  }

  /** All Via values, top first (comma-joined lines split). */
  get vias(): Via[] {
    if (this.viasValue !== undefined) return this.viasValue;
    const raw = this.headers.rawIndex;
    if (raw === undefined) return (this.viasValue = parseViaList(this.headers.getAll('via')));
    const out: Via[] = [];
    const o = raw.offs;
    const n = raw.countOf[H_VIA]!;
    for (let i = raw.firstOf[H_VIA]!, seen = 0; seen < n; i++) {
      if (raw.ids[i] !== H_VIA) continue;
      parseVias(raw.text, out, o[i * 4 + 2]!, o[i * 4 + 3]!);
      seen++;
    }
    return (this.viasValue = out);
  }

  /** The top Via alone: parsed without the rest of the list (what a UAS/proxy reads first). */
  get topVia(): Via | undefined {
    if (this.viasValue !== undefined) return this.viasValue[0];
    if (this.topViaValue !== undefined) return this.topViaValue;
    const raw = this.headers.rawIndex;
    if (raw !== undefined) {
      const line = raw.firstOf[H_VIA]!;
      if (line < 0) return undefined;
      const vs = raw.offs[line * 4 + 2]!;
      return (this.topViaValue = scanVia(raw.text, vs, raw.offs[line * 4 + 3]!, vs));
    }
    const first = this.headers.get('via');
    return first === undefined ? undefined : (this.topViaValue = scanVia(first, 0));
  }

  get from(): NameAddr {
    return (this.fromValue ??= this.nameAddrOf(H_FROM, 'from', 'From'));
  }

  get to(): NameAddr {
    return (this.toValue ??= this.nameAddrOf(H_TO, 'to', 'To'));
  }

  /** From or To, parsed in place in the received text when it is still there. */
  private nameAddrOf(id: number, key: string, name: string): NameAddr {
    const raw = this.headers.rawIndex;
    if (raw === undefined || raw.countOf[id] !== 1) return parseNameAddrHeader(name, this.headers.getAll(key));
    const line = raw.firstOf[id]!;
    return parseNameAddr(raw.text, name, raw.offs[line * 4 + 2]!, raw.offs[line * 4 + 3]!);
  }

  get callId(): string {
    if (this.callIdValue !== undefined) return this.callIdValue;
    const raw = this.headers.rawIndex;
    if (raw !== undefined && raw.countOf[H_CALL_ID] === 1) {
      const line = raw.firstOf[H_CALL_ID]!;
      if (raw.offs[line * 4 + 2]! < raw.offs[line * 4 + 3]!) return (this.callIdValue = raw.value(line));
    }
    const values = this.headers.getAll('call-id');
    if (values.length !== 1 || values[0] === '') throw missingOrRepeated('Call-ID', values.length);
    return (this.callIdValue = values[0]!);
  }

  get cseq(): CSeq {
    if (this.cseqValue !== undefined) return this.cseqValue;
    const raw = this.headers.rawIndex;
    if (raw !== undefined && raw.countOf[H_CSEQ] === 1) {
      const line = raw.firstOf[H_CSEQ]!;
      return (this.cseqValue = parseCSeqIn(raw.text, raw.offs[line * 4 + 2]!, raw.offs[line * 4 + 3]!));
    }
    return (this.cseqValue = parseCSeq(this.headers.getAll('cseq')));
  }

  /** Contact values; a `*` Contact (REGISTER removal) is reported by `isStarContact`. */
  get contacts(): NameAddr[] {
    if (this.contactsValue !== undefined) return this.contactsValue;
    const raw = this.headers.rawIndex;
    if (raw !== undefined && raw.countOf[H_CONTACT] === 1) {
      const line = raw.firstOf[H_CONTACT]!;
      const vs = raw.offs[line * 4 + 2]!;
      const ve = raw.offs[line * 4 + 3]!;
      // '*' alone (values are LWS-trimmed; trim() below for other Unicode spaces around it).
      const c0 = raw.text.charCodeAt(vs);
      if (ve - vs === 1 ? c0 === 42 : c0 !== 60 && c0 !== 34 && raw.value(line).trim() === '*') return (this.contactsValue = []);
      return (this.contactsValue = parseNameAddrs(raw.text, 'Contact', [], vs, ve));
    }
    const lines = this.headers.getAll('contact');
    const star = lines.length === 1 && lines[0]!.trim() === '*';
    return (this.contactsValue = star ? [] : parseNameAddrList(lines, 'Contact'));
  }

  get isStarContact(): boolean {
    const values = this.headers.getAll('contact');
    return values.length === 1 && values[0]!.trim() === '*';
  }

  get maxForwards(): number | undefined {
    if (this.maxForwardsValue !== UNREAD) return this.maxForwardsValue;
    return (this.maxForwardsValue = this.unsigned(H_MAX_FORWARDS, 'max-forwards', 'Max-Forwards', 255));
  }

  get expires(): number | undefined {
    if (this.expiresValue !== UNREAD) return this.expiresValue;
    return (this.expiresValue = this.unsigned(H_EXPIRES, 'expires', 'Expires', 0xffffffff));
  }

  get contentLength(): number | undefined {
    if (this.contentLengthValue !== UNREAD) return this.contentLengthValue;
    return (this.contentLengthValue = this.unsigned(H_CONTENT_LENGTH, 'content-length', 'Content-Length', 0xffffffff));
  }

  /** parseUnsigned of a known header, in place (no array, no slice) while the raw index is there. */
  private unsigned(id: number, key: string, name: string, max: number): number | undefined {
    const raw = this.headers.rawIndex;
    if (raw === undefined || raw.countOf[id]! > 1) return parseUnsigned(name, this.headers.getAll(key), max);
    return raw.countOf[id] === 0 ? undefined : unsignedIn(raw, raw.firstOf[id]!, name, max);
  }

  abstract get isRequest(): boolean;
}

/** parseUnsigned's check of the one line `line` (values are already LWS-trimmed). */
function unsignedIn(raw: RawHeaderIndex, line: number, name: string, max: number): number {
  const s = raw.text;
  const vs = raw.offs[line * 4 + 2]!;
  const ve = raw.offs[line * 4 + 3]!;
  let n = vs < ve ? 0 : -1;
  for (let i = vs; i < ve; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) {
      n = -1;
      break;
    }
    n = n * 10 + d;
    if (n > max) {
      n = -1;
      break;
    }
  }
  if (n < 0) throw new SipHeaderError(`${name}: "${trimWs(raw.value(line))}" is not a number in 0..${max}`, name);
  return n;
}

function missingOrRepeated(name: string, count: number): Error {
  return new SipHeaderError(
    count === 0 ? `missing ${name} header` : `${name} header appears ${count} times; exactly one is allowed`,
    name,
  );
}
