/** Picks a random RTP port range per test so parallel runs rarely touch the same ports. */
export function randomPortRange(pairs: number): [number, number] {
  const base = 20000 + 2 * Math.floor(Math.random() * 18000);
  return [base, base + pairs * 2 - 1];
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true, failing with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}
