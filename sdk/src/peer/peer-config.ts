import type { CallEventAdapter, IncomingRequestInfo, Logger, SignalingDecision } from '@rvoip/contracts';

/** Everything a SimplePeer can be told; only `name` is required. */
export interface SimplePeerConfig {
  /** User part of our SIP address: `sip:<name>@<host>:<port>`. */
  readonly name: string;
  /** SIP port (UDP); 0 picks a free one (tests). Default 5060. */
  readonly port?: number;
  /** Address to bind SIP and RTP to. Default 127.0.0.1. */
  readonly host?: string;
  readonly displayName?: string;
  /** Preferred codecs in order, e.g. ['PCMU', 'PCMA']. */
  readonly codecs?: readonly string[];
  /** RTP port range [min, max]; default lets the media engine choose. */
  readonly rtpPorts?: readonly [number, number];
  /** Unanswered incoming calls are rejected with 480 after this long (default 60 s). */
  readonly ringTimeoutMs?: number;
  /** Answer every incoming call at once (bots, echo tests). */
  readonly autoAnswer?: boolean;
  /** Decide on incoming calls yourself (e.g. reject busy); default: ring and hand to the app. */
  readonly decide?: (request: IncomingRequestInfo) => SignalingDecision | Promise<SignalingDecision>;
  /** Observers of call events (CDRs, DTMF, stats), run off the signalling path. */
  readonly eventAdapters?: readonly CallEventAdapter[];
  readonly logger?: Logger;
}

export function normalizeConfig(nameOrConfig: string | SimplePeerConfig, port?: number): SimplePeerConfig {
  if (typeof nameOrConfig === 'string') return { name: nameOrConfig, ...(port !== undefined && { port }) };
  return port !== undefined ? { ...nameOrConfig, port } : nameOrConfig;
}

/** `bob@127.0.0.1:5071`, `sip:bob@host`, `127.0.0.1:5071` -> a SIP URI, or undefined when there is no host. */
export function targetUri(target: string): string | undefined {
  const t = target.trim();
  const bare = t.replace(/^sips?:/i, '');
  const hasUser = bare.includes('@');
  const host = hasUser ? bare.slice(bare.indexOf('@') + 1) : bare;
  // A lone word is a user name without a host, not a host name.
  if (!hasUser && !/[.:[]/.test(host)) return undefined;
  if (!host || /\s/.test(host) || !/^[\w.[\]:-]+(;.*)?$/.test(host)) return undefined;
  return /^sips?:/i.test(t) ? t : `sip:${t}`;
}
