import type { MediaLeg } from '../ports.js';

/**
 * The echo service's media: every decoded 20 ms frame goes straight back to the caller.
 * The iteration ends when the leg closes, so nothing outlives the call.
 */
export async function echoFrames(leg: MediaLeg): Promise<number> {
  let frames = 0;
  for await (const frame of leg.frames()) {
    leg.sendFrame(frame);
    frames++;
  }
  return frames;
}
