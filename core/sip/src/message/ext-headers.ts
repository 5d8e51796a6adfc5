/**
 * Typed values of the extension headers the stack acts on: events (RFC 6665), REFER
 * (RFC 3515, 3892), Replaces (RFC 3891), 100rel (RFC 3262), session timers (RFC 4028),
 * Reason (RFC 3326) and Retry-After (RFC 3261 20.33).
 */
import { SipHeaderError } from './errors.js';
import { parseDigits, scanDelta, scanParams, scanQuoted, scanToken, single, skipWs, trimWs, unquote } from './lex.js';
import type { ParamMap } from './lex.js';

function bad(header: string, s: string, why: string): SipHeaderError {
  return new SipHeaderError(`${header}: ${why} in "${s}"`, header);
}

/** Params after a value, which must reach the end of the string (no list). */
function tailParams(header: string, s: string, i: number): ParamMap {
  const params: ParamMap = new Map();
  const end = scanParams(s, i, header, params);
  if (end < s.length) throw bad(header, s, 'unexpected comma');
  return params;
}

function str(v: string | null | undefined): string | undefined {
  return v == null ? undefined : unquote(v);
}

export interface EventHeader {
  /** event-type, lower-cased (`presence`, `refer`, `dialog`, `presence.winfo`...). */
  type: string;
  id?: string;
  params: ParamMap;
}

export function parseEvent(lines: readonly string[]): EventHeader {
  const s = single('Event', lines);
  const i = skipWs(s, 0);
  const e = scanToken(s, i);
  if (e === i) throw bad('Event', s, 'missing event type');
  const params = tailParams('Event', s, e);
  const out: EventHeader = { type: s.slice(i, e).toLowerCase(), params };
  const id = str(params.get('id'));
  if (id !== undefined) out.id = id;
  return out;
}

export interface SubscriptionState {
  /** `active`, `pending`, `terminated` or an extension, lower-cased. */
  state: string;
  expires?: number;
  reason?: string;
  retryAfter?: number;
  params: ParamMap;
}

export function parseSubscriptionState(lines: readonly string[]): SubscriptionState {
  const s = single('Subscription-State', lines);
  const i = skipWs(s, 0);
  const e = scanToken(s, i);
  if (e === i) throw bad('Subscription-State', s, 'missing substate');
  const params = tailParams('Subscription-State', s, e);
  const out: SubscriptionState = { state: s.slice(i, e).toLowerCase(), params };
  const num = (name: string): number | undefined => {
    const v = params.get(name);
    if (v === undefined) return undefined;
    const n = v === null ? -1 : parseDigits(v, 0xffffffff);
    if (n < 0) throw bad('Subscription-State', s, `bad ${name}`);
    return n;
  };
  const expires = num('expires');
  if (expires !== undefined) out.expires = expires;
  const retry = num('retry-after');
  if (retry !== undefined) out.retryAfter = retry;
  const reason = str(params.get('reason'));
  if (reason !== undefined) out.reason = reason.toLowerCase();
  return out;
}

export interface Replaces {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly: boolean;
  params: ParamMap;
}

export function parseReplaces(lines: readonly string[]): Replaces {
  const s = single('Replaces', lines);
  const start = skipWs(s, 0);
  let i = start;
  while (i < s.length && s.charCodeAt(i) !== 59 && s.charCodeAt(i) !== 32 && s.charCodeAt(i) !== 9) i++;
  if (i === start) throw bad('Replaces', s, 'missing Call-ID');
  const params = tailParams('Replaces', s, i);
  const toTag = str(params.get('to-tag'));
  const fromTag = str(params.get('from-tag'));
  if (toTag === undefined || fromTag === undefined) throw bad('Replaces', s, 'to-tag and from-tag are mandatory');
  return { callId: s.slice(start, i), toTag, fromTag, earlyOnly: params.has('early-only'), params };
}

export interface RAck {
  rseq: number;
  cseq: number;
  method: string;
}

export function parseRAck(lines: readonly string[]): RAck {
  const s = trimWs(single('RAck', lines));
  const parts = s.split(/[ \t]+/);
  const rseq = parseDigits(parts[0] ?? '', 0xffffffff);
  const cseq = parseDigits(parts[1] ?? '', 0xffffffff);
  const method = parts[2] ?? '';
  if (parts.length !== 3 || rseq < 0 || cseq < 0 || scanToken(method, 0) !== method.length || method === '') {
    throw bad('RAck', s, 'expected "<rseq> <cseq> <method>"');
  }
  return { rseq, cseq, method };
}

export interface SessionExpires {
  delta: number;
  refresher?: 'uac' | 'uas';
  params: ParamMap;
}

export function parseSessionExpires(lines: readonly string[]): SessionExpires {
  const s = single('Session-Expires', lines);
  const [delta, end] = scanDelta('Session-Expires', s);
  const params = tailParams('Session-Expires', s, end);
  const out: SessionExpires = { delta, params };
  const r = str(params.get('refresher'))?.toLowerCase();
  if (r !== undefined) {
    if (r !== 'uac' && r !== 'uas') throw bad('Session-Expires', s, 'refresher must be uac or uas');
    out.refresher = r;
  }
  return out;
}

/** Min-SE: delta-seconds (params ignored). */
export function parseMinSE(lines: readonly string[]): number {
  const s = single('Min-SE', lines);
  const [delta, end] = scanDelta('Min-SE', s);
  tailParams('Min-SE', s, end);
  return delta;
}

export interface ReasonValue {
  /** `SIP`, `Q.850` or an extension, as written. */
  protocol: string;
  cause?: number;
  text?: string;
  params: ParamMap;
}

/** Reason: a comma-separated list over one or more lines. */
export function parseReason(lines: readonly string[]): ReasonValue[] {
  const out: ReasonValue[] = [];
  for (const s of lines) {
    let i = 0;
    for (;;) {
      i = skipWs(s, i);
      const e = scanToken(s, i);
      if (e === i) throw bad('Reason', s, 'missing protocol');
      const params: ParamMap = new Map();
      const end = scanParams(s, e, 'Reason', params);
      const r: ReasonValue = { protocol: s.slice(i, e), params };
      const cause = params.get('cause');
      if (cause !== undefined) {
        const n = cause === null ? -1 : parseDigits(cause, 0xffff);
        if (n < 0) throw bad('Reason', s, 'bad cause');
        r.cause = n;
      }
      const text = str(params.get('text'));
      if (text !== undefined) r.text = text;
      out.push(r);
      if (end >= s.length) break;
      i = end + 1;
    }
  }
  return out;
}

export interface RetryAfter {
  delta: number;
  comment?: string;
  duration?: number;
  params: ParamMap;
}

/** Retry-After: delta-seconds [comment] *(SEMI retry-param). */
export function parseRetryAfter(lines: readonly string[]): RetryAfter {
  const s = single('Retry-After', lines);
  const [delta, end] = scanDelta('Retry-After', s);
  let i = skipWs(s, end);
  let comment: string | undefined;
  if (s.charCodeAt(i) === 40) {
    // comment = "(" *(ctext / quoted-pair / comment) ")", nesting allowed
    let depth = 0;
    const cs = i;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 92) i++;
      else if (c === 40) depth++;
      else if (c === 41 && --depth === 0) break;
    }
    if (depth !== 0 || i >= s.length) throw bad('Retry-After', s, 'unterminated comment');
    comment = s.slice(cs + 1, i);
    i++;
  }
  const params = tailParams('Retry-After', s, i);
  const out: RetryAfter = { delta, params };
  if (comment !== undefined) out.comment = comment;
  const d = params.get('duration');
  if (d !== undefined) {
    const n = d === null ? -1 : parseDigits(d, 0xffffffff);
    if (n < 0) throw bad('Retry-After', s, 'bad duration');
    out.duration = n;
  }
  return out;
}

/** Is the value a quoted-string? Kept for callers that must tell `"x"` from `x`. */
export function isQuoted(raw: string | null | undefined): boolean {
  return raw != null && raw.length >= 2 && raw.charCodeAt(0) === 34 && scanQuoted(raw, 0) === raw.length;
}
