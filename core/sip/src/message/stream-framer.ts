/**
 * Cuts a TCP/TLS/WebSocket-less byte stream into SIP messages by Content-Length
 * (mandatory on streams, RFC 3261 18.3) and reports RFC 5626 keep-alives: a CRLFCRLF
 * ping (the transport answers with a CRLF pong) and a CRLF pong.
 */
import { SipParseError } from './errors.js';
import type { SipMessage } from './message.js';
import { DEFAULT_MAX_MESSAGE_SIZE, contentLengthOf, findHeaderEnd, parseMessage, splitHeaderLines } from './parser.js';

export type FramerEvent =
  | { type: 'message'; message: SipMessage; raw: Buffer }
  /** The message was framed but does not parse: answer error.status (0: drop); the stream goes on. */
  | { type: 'invalid'; error: SipParseError; raw: Buffer }
  /** CRLFCRLF between messages: answer with a CRLF pong. */
  | { type: 'ping' }
  /** A lone CRLF between messages: the peer's pong. */
  | { type: 'pong' }
  /** Framing is lost (bad Content-Length, oversized message): close the connection. */
  | { type: 'fatal'; error: SipParseError };

export interface StreamFramerOptions {
  maxSize?: number;
}

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  private readonly maxSize: number;
  private closedBy: SipParseError | undefined;
  /** A CRLF just reported as pong; a second CRLF right after upgrades it to a ping. */
  private halfPing = false;

  constructor(opts: StreamFramerOptions = {}) {
    this.maxSize = opts.maxSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /** Bytes received but not yet part of a complete message. */
  get pending(): number {
    return this.buf.length;
  }

  /** True once a fatal error was reported; every later push reports it again. */
  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  push(chunk: Buffer): FramerEvent[] {
    if (this.closedBy) return [{ type: 'fatal', error: this.closedBy }];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const events: FramerEvent[] = [];
    for (;;) {
      if (!this.keepAlives(events)) return events;
      const ev = this.nextMessage();
      if (ev === null) return events;
      events.push(ev);
      if (ev.type === 'fatal') {
        this.closedBy = ev.error;
        this.buf = Buffer.alloc(0);
        return events;
      }
    }
  }

  /** Consumes CRLFs before a message; false when nothing else is buffered. */
  private keepAlives(events: FramerEvent[]): boolean {
    let p = 0;
    const b = this.buf;
    while (p + 1 < b.length && b[p] === 13 && b[p + 1] === 10) {
      if (this.halfPing) {
        this.halfPing = false;
        events.push({ type: 'ping' });
        p += 2;
      } else if (p + 3 < b.length && b[p + 2] === 13 && b[p + 3] === 10) {
        events.push({ type: 'ping' });
        p += 4;
      } else if (p + 2 === b.length) {
        this.halfPing = true;
        events.push({ type: 'pong' });
        p += 2;
      } else {
        events.push({ type: 'pong' });
        p += 2;
      }
    }
    if (p > 0) this.buf = b.subarray(p);
    if (this.buf.length > 0 && !(this.buf.length === 1 && this.buf[0] === 13)) this.halfPing = false;
    return this.buf.length > 0 && !(this.buf.length === 1 && this.buf[0] === 13);
  }

  private nextMessage(): FramerEvent | null {
    const ends = findHeaderEnd(this.buf, 0);
    if (ends === null) {
      if (this.buf.length > this.maxSize) return fatal(`header section exceeds ${this.maxSize} bytes`, 413);
      return null;
    }
    let length: number | undefined;
    try {
      const { fields, keys } = splitHeaderLines(this.buf.toString('latin1', 0, ends[0]));
      length = contentLengthOf(
        fields.filter((_f, i) => keys[i] === 'content-length').map((f) => f.value),
        true,
      );
    } catch (e) {
      if (e instanceof SipParseError && e.fatal) return { type: 'fatal', error: e };
      // The header section is broken but Content-Length may still frame it.
      length = contentLengthLoose(this.buf.toString('latin1', 0, ends[0]));
      if (length === undefined) return fatal('unframeable message: header section does not parse', 400);
    }
    if (length === undefined) return fatal('Content-Length is mandatory on a stream transport', 400);
    const total = ends[1] + length;
    if (total > this.maxSize) return fatal(`message of ${total} bytes exceeds ${this.maxSize}`, 413);
    if (this.buf.length < total) return null;
    const raw = this.buf.subarray(0, total);
    this.buf = this.buf.subarray(total);
    try {
      return { type: 'message', message: parseMessage(raw, { maxSize: this.maxSize, stream: true }), raw };
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      return { type: 'invalid', error: e, raw };
    }
  }
}

function fatal(message: string, status: number): FramerEvent {
  const reason = status === 413 ? 'Message Too Large' : 'Bad Request';
  return { type: 'fatal', error: new SipParseError(message, { status, reason, fatal: true }) };
}

/** Content-Length read line by line when the header section has other grammar errors. */
function contentLengthLoose(head: string): number | undefined {
  let found: number | undefined;
  for (const line of head.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name !== 'content-length' && name !== 'l') continue;
    const v = line.slice(colon + 1).trim();
    if (!/^[0-9]{1,10}$/.test(v)) return undefined;
    if (found !== undefined && found !== Number(v)) return undefined;
    found = Number(v);
  }
  return found;
}
