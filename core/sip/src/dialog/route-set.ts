/**
 * Route sets (RFC 3261 12.1.1, 12.1.2, 12.2.1.1, 16.12). Entries keep the Record-Route
 * text exactly as received, because a proxy may rely on parameters it put there; the
 * parsed URI is only consulted for `lr`.
 */
import type { SipMessage } from '../message/message.js';
import type { AnyUri } from '../message/uri.js';
import { SipUri, parseAnyUri } from '../message/uri.js';
import { DialogError } from './errors.js';

export interface RouteEntry {
  /** The name-addr as it appeared in Record-Route (`<sip:p1.example.com;lr>`). */
  value: string;
  uri: AnyUri;
  /** The URI carries `lr`: the proxy is a loose router (RFC 3261 19.1.1). */
  loose: boolean;
}

/** What an in-dialog request must carry: its Request-URI and Route header values. */
export interface RoutedRequestTarget {
  requestUri: string;
  routes: string[];
}

/**
 * Splits a comma-separated header line into elements, ignoring commas inside quotes
 * and angle brackets (a Record-Route URI may carry commas in its parameters).
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') angle = true;
    else if (c === '>') angle = false;
    else if (c === ',' && !angle) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last !== '') out.push(last);
  return out.filter((v) => v !== '');
}

/** The URI inside a name-addr or addr-spec text. */
export function uriOfNameAddr(text: string): string {
  const lt = text.indexOf('<');
  if (lt >= 0) {
    const gt = text.indexOf('>', lt);
    if (gt < 0) throw new DialogError('RVOIP_ERR_DIALOG_BAD_MESSAGE', `unterminated "<" in "${text}"`);
    return text.slice(lt + 1, gt).trim();
  }
  // addr-spec form: header parameters follow the first ';' (RFC 3261 20.10).
  const semi = text.indexOf(';');
  return (semi < 0 ? text : text.slice(0, semi)).trim();
}

export function routeEntry(value: string): RouteEntry {
  const uri = parseAnyUri(uriOfNameAddr(value));
  return { value, uri, loose: uri instanceof SipUri && uri.params.has('lr') };
}

/** Record-Route of a message as a route set, top first. */
export function recordRouteEntries(msg: SipMessage): RouteEntry[] {
  const entries: RouteEntry[] = [];
  for (const line of msg.headers.getAll('record-route')) {
    for (const element of splitHeaderList(line)) entries.push(routeEntry(element));
  }
  return entries;
}

/**
 * 12.1.1: a UAS answering a dialog-creating request copies every Record-Route value of
 * the request into its response (1xx and 2xx), in order, so the UAC learns the same
 * route set. Existing Record-Route lines of the response are replaced.
 */
export function copyRecordRoute(request: SipMessage, response: SipMessage): void {
  response.removeHeader('record-route');
  for (const line of request.headers.getAll('record-route')) response.appendHeader('Record-Route', line);
}

/** UAS: the Record-Route list in order (12.1.1). UAC: reversed (12.1.2). */
export function routeSetFrom(msg: SipMessage, role: 'uac' | 'uas'): RouteEntry[] {
  const entries = recordRouteEntries(msg);
  return role === 'uac' ? entries.reverse() : entries;
}

/**
 * 12.2.1.1: with no route set, or a loose first hop, the remote target is the
 * Request-URI and the whole route set the Route header. A strict first hop instead
 * becomes the Request-URI (without what a Request-URI may not carry) and the remote
 * target is appended as the last Route, so the strict router can rewrite it back.
 */
export function routeRequest(routeSet: readonly RouteEntry[], remoteTarget: string): RoutedRequestTarget {
  const first = routeSet[0];
  if (first === undefined) return { requestUri: remoteTarget, routes: [] };
  if (first.loose) return { requestUri: remoteTarget, routes: routeSet.map((r) => r.value) };
  return {
    requestUri: requestUriForm(first.uri),
    routes: [...routeSet.slice(1).map((r) => r.value), `<${remoteTarget}>`],
  };
}

/** RFC 3261 19.1.1 table 1: `method` and URI headers are not allowed in a Request-URI. */
function requestUriForm(uri: AnyUri): string {
  if (!(uri instanceof SipUri)) return uri.toString();
  const copy = uri.clone();
  copy.params.delete('method');
  copy.headers = [];
  return copy.toString();
}
