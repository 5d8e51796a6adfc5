/**
 * PBX knobs that do not belong in the config file (yet): apps and tests override them by
 * binding PbxOptionsToken. The routing inputs themselves (domain, users) come from the
 * config's `sip` and `registrar` sections.
 */
export const PbxOptionsToken = Symbol.for('rvoip.session.PbxOptions');

export interface PbxOptions {
  /** User part that reaches the echo service. Default `echo`. */
  readonly echoUser: string;
  /** A fork that has not answered after this long is cancelled (408 to the caller when all do). */
  readonly ringTimeoutMs: number;
  /** Bound on ending every live call at shutdown. */
  readonly shutdownTimeoutMs: number;
  /**
   * 'anchored' (default): RTP of every call flows through our media engine, so recording,
   * billing and transcription see it, and codecs are transcoded when the phones differ.
   * 'direct': the phones' SDP is relayed so RTP flows phone to phone (no transcoding).
   */
  readonly media: 'anchored' | 'direct';
}

export const DEFAULT_PBX_OPTIONS: PbxOptions = { echoUser: 'echo', ringTimeoutMs: 60_000, shutdownTimeoutMs: 5_000, media: 'anchored' };

/** `sip:1002@pbx.example;transport=udp` -> `1002` (unescaped); undefined without a user part. */
export function userOf(uri: string): string | undefined {
  const m = /^sips?:([^@;?]+)@/i.exec(uri);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
}

const SUPPORTED = new Set(['pcmu', 'pcma', 'g722', 'opus']);

/**
 * Audio codec names of an SDP offer in its order, restricted to what our engine speaks.
 * Offering the callee the caller's own order lets both legs settle on the same codec, so
 * the bridge only transcodes when the phones have no codec in common.
 */
export function offeredCodecs(sdp: string | undefined): string[] {
  if (!sdp) return [];
  const audio = /^m=audio \d+(?:\/\d+)? \S+ ([\d ]+)$/m.exec(sdp);
  if (!audio) return [];
  const names = new Map<string, string>();
  for (const m of sdp.matchAll(/^a=rtpmap:(\d+) ([^/\s]+)\//gm)) names.set(m[1]!, m[2]!.toLowerCase());
  // Static payload types may come without rtpmap (RFC 3551).
  const statics: Record<string, string> = { '0': 'pcmu', '8': 'pcma', '9': 'g722' };
  const out: string[] = [];
  for (const pt of audio[1]!.trim().split(/\s+/)) {
    const name = names.get(pt) ?? statics[pt];
    if (name && SUPPORTED.has(name) && !out.includes(name)) out.push(name);
  }
  return out;
}

/** Caller's codec order, then the rest of ours, so an offer never loses a codec we could transcode to. */
export function codecPreference(first: readonly string[]): string[] {
  return [...first, ...[...SUPPORTED].filter((c) => !first.includes(c))];
}
