/**
 * When two contacts name the same binding: RFC 5626 instance-id (+ reg-id) when both
 * sides carry one, else RFC 3261 19.1.4 URI equivalence (10.3 step 7).
 */
import { GenericUri, parseAnyUri } from '@rvoip/sip';
import type { AnyUri } from '@rvoip/sip';

interface ContactKey {
  readonly contact: string;
  readonly instanceId?: string;
  readonly regId?: number;
}

// Bounded: the same few contact strings are compared again on every refresh.
const parsed = new Map<string, AnyUri>();
const MAX_CACHED = 10_000;

function uriOf(text: string): AnyUri {
  let uri = parsed.get(text);
  if (uri === undefined) {
    try {
      uri = parseAnyUri(text);
    } catch {
      uri = new GenericUri('invalid', text);
    }
    if (parsed.size >= MAX_CACHED) parsed.clear();
    parsed.set(text, uri);
  }
  return uri;
}

export function contactsMatch(a: ContactKey, b: ContactKey): boolean {
  if (a.instanceId !== undefined && b.instanceId !== undefined) {
    return a.instanceId === b.instanceId && a.regId === b.regId;
  }
  if (a.contact === b.contact) return true;
  return uriOf(a.contact).equals(uriOf(b.contact));
}
