import type { DtmfDigit } from '@rvoip/contracts';

const DIGITS = new Set<string>(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D']);

export function isDtmfDigit(value: string): value is DtmfDigit {
  return DIGITS.has(value);
}

/** Body of a SIP INFO carrying one digit (application/dtmf-relay, the de-facto format). */
export function dtmfRelayBody(digit: DtmfDigit, durationMs: number): string {
  return `Signal=${digit}\r\nDuration=${durationMs}\r\n`;
}

/** Reads application/dtmf-relay or application/dtmf bodies; undefined when neither. */
export function parseDtmfInfo(contentType: string | undefined, body: string): { digit: DtmfDigit; durationMs: number } | undefined {
  const type = (contentType ?? '').toLowerCase().split(';')[0]?.trim();
  if (type === 'application/dtmf-relay') {
    const signal = /Signal\s*=\s*([0-9A-Da-d*#])/.exec(body)?.[1]?.toUpperCase();
    const duration = Number(/Duration\s*=\s*(\d+)/.exec(body)?.[1] ?? 100);
    return signal && isDtmfDigit(signal) ? { digit: signal, durationMs: duration } : undefined;
  }
  if (type === 'application/dtmf') {
    const signal = body.trim().toUpperCase();
    return isDtmfDigit(signal) ? { digit: signal, durationMs: 100 } : undefined;
  }
  return undefined;
}
