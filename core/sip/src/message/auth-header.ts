/**
 * Authorization, Proxy-Authorization, WWW-Authenticate and Proxy-Authenticate
 * (RFC 3261 25.1, RFC 7616 for the digest params). Any scheme parses (RFC 4475
 * regaut01: an unknown scheme must reach the registrar, which answers 401).
 */
import { SipHeaderError } from './errors.js';
import { PARAM_VALUE, quote, scanQuoted, scanToken, skipWs, unquote } from './lex.js';

export interface AuthParam {
  /** As written (names compare case-insensitively; use AuthHeader.param to look up). */
  name: string;
  /** Quotes removed and quoted-pairs resolved when `quoted`. */
  value: string;
  /** Whether the value was a quoted-string: `qop="auth"` vs `algorithm=MD5` matters to digest. */
  quoted: boolean;
}

export class AuthHeader {
  scheme: string;
  params: AuthParam[];

  constructor(scheme: string, params: AuthParam[] = []) {
    this.scheme = scheme;
    this.params = params;
  }

  /** The value of the first param with this name (case-insensitive). */
  param(name: string): string | undefined {
    const key = name.toLowerCase();
    for (const p of this.params) if (p.name.toLowerCase() === key) return p.value;
    return undefined;
  }

  setParam(name: string, value: string, quoted: boolean): this {
    const key = name.toLowerCase();
    const existing = this.params.find((p) => p.name.toLowerCase() === key);
    if (existing) {
      existing.value = value;
      existing.quoted = quoted;
    } else {
      this.params.push({ name, value, quoted });
    }
    return this;
  }

  get isDigest(): boolean {
    return this.scheme.toLowerCase() === 'digest';
  }

  toString(): string {
    const ps = this.params.map((p) => `${p.name}=${p.quoted ? quote(p.value) : p.value}`).join(', ');
    return ps.length > 0 ? `${this.scheme} ${ps}` : this.scheme;
  }
}

function bad(header: string, s: string, why: string): SipHeaderError {
  return new SipHeaderError(`${header}: ${why} in "${s}"`, header);
}

/** Parses one credentials / challenge value: scheme LWS auth-param *(COMMA auth-param). */
export function parseAuthHeader(s: string, header = 'Authorization'): AuthHeader {
  let i = skipWs(s, 0);
  let e = scanToken(s, i);
  if (e === i) throw bad(header, s, 'missing auth scheme');
  const auth = new AuthHeader(s.slice(i, e));
  i = skipWs(s, e);
  if (i >= s.length) return auth;
  if (i === e) throw bad(header, s, 'missing space after the scheme');
  for (;;) {
    e = scanToken(s, i);
    if (e === i) throw bad(header, s, 'empty auth-param name');
    const name = s.slice(i, e);
    i = skipWs(s, e);
    if (s.charCodeAt(i) !== 61) throw bad(header, s, `auth-param ${name} without '='`);
    i = skipWs(s, i + 1);
    if (s.charCodeAt(i) === 34) {
      const close = scanQuoted(s, i);
      if (close < 0) throw bad(header, s, `unterminated quoted value of ${name}`);
      auth.params.push({ name, value: unquote(s.slice(i, close)), quoted: true });
      i = close;
    } else {
      const vs = i;
      while (i < s.length && s.charCodeAt(i) < 256 && PARAM_VALUE[s.charCodeAt(i)] === 1) i++;
      if (i === vs) throw bad(header, s, `empty value of ${name}`);
      auth.params.push({ name, value: s.slice(vs, i), quoted: false });
    }
    i = skipWs(s, i);
    if (i >= s.length) return auth;
    if (s.charCodeAt(i) !== 44) throw bad(header, s, `unexpected '${s[i]}'`);
    i = skipWs(s, i + 1);
  }
}

/** One AuthHeader per header line (a line holds exactly one challenge or credentials). */
export function parseAuthList(lines: readonly string[], header = 'Authorization'): AuthHeader[] {
  return lines.map((l) => parseAuthHeader(l, header));
}
