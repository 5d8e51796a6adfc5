import type { MediaLeg } from '../ports.js';

/**
 * The echo service's media: every decoded 20 ms frame goes straight back to the caller.
 * The iteration ends when the leg closes, so nothing outlives the call.
 */
export async function echoFrames(leg: MediaLeg, counter: { frames: number } = { frames: 0 }): Promise<number> {
  for await (const frame of leg.frames()) {
    leg.sendFrame(frame);
    counter.frames++;
  }
  return counter.frames;
}
