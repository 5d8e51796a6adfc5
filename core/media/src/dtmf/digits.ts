import { RvoipError } from '@rvoip/contracts';

/** RFC 4733 section 3.2 event codes 0-15 in order: 0-9, *, #, A-D. */
export const DTMF_EVENTS = '0123456789*#ABCD';

export const DTMF_LOW = [697, 770, 852, 941] as const;
export const DTMF_HIGH = [1209, 1336, 1477, 1633] as const;
const KEYPAD = ['123A', '456B', '789C', '*0#D'];

export function digitToEvent(digit: string): number {
  const idx = DTMF_EVENTS.indexOf(digit.toUpperCase());
  if (digit.length !== 1 || idx < 0) {
    throw new RvoipError('RVOIP_ERR_MEDIA_DTMF_DIGIT', `not a DTMF digit: ${JSON.stringify(digit)} (expected 0-9, *, #, A-D)`);
  }
  return idx;
}

export function eventToDigit(event: number): string | undefined {
  return event >= 0 && event < 16 ? DTMF_EVENTS[event] : undefined;
}

/** [row (low) frequency, column (high) frequency] of a keypad digit. */
export function dtmfFrequencies(digit: string): [number, number] {
  const d = digit.toUpperCase();
  for (let r = 0; r < 4; r++) {
    const c = KEYPAD[r].indexOf(d);
    if (c >= 0 && d.length === 1) return [DTMF_LOW[r], DTMF_HIGH[c]];
  }
  throw new RvoipError('RVOIP_ERR_MEDIA_DTMF_DIGIT', `not a DTMF digit: ${JSON.stringify(digit)} (expected 0-9, *, #, A-D)`);
}

export function digitAt(row: number, col: number): string {
  return KEYPAD[row][col];
}
