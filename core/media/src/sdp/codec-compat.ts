/**
 * Whether two negotiated codecs carry the same bitstream, so RTP payloads received on one
 * leg can be sent on the other untouched (only the payload type number may differ).
 */
import type { SdpCodecSpec } from './codec-match.js';

/**
 * RFC 7587 6: every Opus fmtp parameter is a receiver preference or a hint about what the
 * sender will do; any Opus decoder decodes any Opus stream, so none of them matters here.
 */
const IGNORED_FMTP: Record<string, ReadonlySet<string> | 'all'> = { opus: 'all' };

function fmtpMap(fmtp: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (fmtp ?? '').split(';')) {
    const t = part.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq < 0) out.set(t.toLowerCase(), '');
    else out.set(t.slice(0, eq).trim().toLowerCase(), t.slice(eq + 1).trim().toLowerCase());
  }
  return out;
}

/** Same encoding name (any case), RTP clock and channels, and equivalent format parameters. */
export function samePayloadFormat(a: SdpCodecSpec, b: SdpCodecSpec): boolean {
  const name = a.name.toLowerCase();
  if (name !== b.name.toLowerCase() || a.clockRate !== b.clockRate || a.channels !== b.channels) return false;
  const ignored = IGNORED_FMTP[name];
  if (ignored === 'all') return true;
  const fa = fmtpMap(a.fmtp);
  const fb = fmtpMap(b.fmtp);
  if (ignored) for (const k of ignored) { fa.delete(k); fb.delete(k); }
  if (fa.size !== fb.size) return false;
  for (const [k, v] of fa) if (fb.get(k) !== v) return false;
  return true;
}
