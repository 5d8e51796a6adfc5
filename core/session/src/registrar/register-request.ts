/**
 * Reads a REGISTER into a RegisterUpdate (RFC 3261 10.3 steps 5-7 that need only the
 * message): the AOR from To, each Contact's lifetime (param > Expires header > default),
 * q, RFC 5626 +sip.instance/reg-id, RFC 3327 Path. Contact URIs are kept as sent, escaped
 * headers and URI params included (torture cparam02, regescrt).
 */
import type { RemoteEndpoint } from '@rvoip/contracts';
import type { NameAddr, SipRequest } from '@rvoip/sip';
import { SipParseError, SipUri, parseNameAddrList } from '@rvoip/sip';
import type { ContactUpdate, RegisterUpdate } from './registry-service.js';

export interface RegisterReadContext {
  /** Lower-cased served host names; the first is canonical for AORs. */
  readonly domains: readonly string[];
  readonly defaultExpires: number;
  readonly source: RemoteEndpoint;
}

export type ReadResult =
  | { readonly ok: true; readonly update: RegisterUpdate; readonly user: string; readonly pathSupported: boolean }
  | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

const SAFE_USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]+$/;
const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/** 10.3 step 1: our domain (or one of our addresses) in the Request-URI. */
export function servesRequestUri(req: SipRequest, domains: readonly string[]): boolean {
  const uri = req.uri;
  if (!(uri instanceof SipUri)) return false;
  const host = uri.host.toLowerCase();
  return domains.includes(host) || IP_LITERAL.test(host);
}

export function readRegister(req: SipRequest, ctx: RegisterReadContext): ReadResult {
  try {
    return read(req, ctx);
  } catch (err) {
    if (err instanceof SipParseError) return { ok: false, status: 400, reason: err.message.slice(0, 120) };
    throw err;
  }
}

function read(req: SipRequest, ctx: RegisterReadContext): ReadResult {
  const to = req.to.uri;
  if (!(to instanceof SipUri)) return bad(`To ${to.toString()} is not a SIP URI`);
  const host = to.host.toLowerCase();
  if (!ctx.domains.includes(host)) return { ok: false, status: 404, reason: 'Not Found (domain not served here)' };
  const user = to.userUnescaped;
  if (user === undefined || user === '') return { ok: false, status: 404, reason: 'Not Found (no user in To)' };
  // 10.3 step 5 canonical form: no URI params, escapes resolved where the result stays a valid user part.
  const aor = `${to.scheme}:${SAFE_USER.test(user) ? user : to.user}@${ctx.domains[0]}`;

  const star = req.isStarContact;
  // Only a line with a '*' in it can hold a misplaced wildcard: most REGISTERs skip the split.
  if (!star) {
    for (const l of req.headers.getAll('contact')) {
      if (l.includes('*') && l.split(',').some((part) => part.trim() === '*')) return bad('Contact: * must be the only Contact');
    }
  }
  if (star && req.expires !== 0) return bad('Contact: * requires Expires: 0');

  const headerExpires = req.expires;
  const contacts: ContactUpdate[] = [];
  for (const c of req.contacts) {
    const update = readContact(c, headerExpires ?? ctx.defaultExpires);
    if (typeof update === 'string') return bad(update);
    contacts.push(update);
  }
  const pathLines = req.headers.has('path') ? req.headers.getAll('path') : undefined;
  const path = pathLines === undefined ? [] : parseNameAddrList(pathLines, 'Path').map((p) => p.toString());
  const userAgent = req.headers.get('user-agent');
  const update: { -readonly [K in keyof RegisterUpdate]: RegisterUpdate[K] } = { aor, callId: req.callId, cseq: req.cseq.seq, source: ctx.source, contacts };
  if (star) update.removeAll = true;
  if (path.length > 0) update.path = path;
  if (userAgent !== undefined) update.userAgent = userAgent;
  // Supported is read only when there is a Path to echo (RFC 3327 5).
  const pathSupported = path.length > 0 && req.supported.some((s) => s.toLowerCase() === 'path');
  return { ok: true, update, user, pathSupported };
}

function readContact(c: NameAddr, fallbackExpires: number): ContactUpdate | string {
  const uri = c.uri;
  if (!(uri instanceof SipUri)) return `Contact ${uri.toString()} is not a SIP URI`;
  const expiresParam = c.param('expires');
  let expiresSeconds = fallbackExpires;
  if (expiresParam != null) {
    if (!/^\d{1,10}$/.test(expiresParam)) return `Contact expires "${expiresParam}" is not a number of seconds`;
    expiresSeconds = Math.min(Number(expiresParam), 0xffffffff);
  }
  const qParam = c.param('q');
  let q: number | undefined;
  if (qParam != null) {
    if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(qParam)) return `Contact q "${qParam}" is not a qvalue`;
    q = Number(qParam);
  }
  const instance = c.param('+sip.instance');
  const regIdParam = c.param('reg-id');
  let regId: number | undefined;
  if (regIdParam != null) {
    if (!/^\d{1,10}$/.test(regIdParam) || Number(regIdParam) < 1) return `Contact reg-id "${regIdParam}" is not a positive integer`;
    regId = Number(regIdParam);
  }
  const update: { -readonly [K in keyof ContactUpdate]: ContactUpdate[K] } = { contact: c.uriString, expiresSeconds };
  if (q !== undefined) update.q = q;
  if (instance != null && instance !== '') update.instanceId = instance;
  if (regId !== undefined && instance != null) update.regId = regId;
  return update;
}

function bad(reason: string): ReadResult {
  return { ok: false, status: 400, reason: `Bad Request (${reason})`.slice(0, 160) };
}
