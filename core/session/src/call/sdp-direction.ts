import type { MediaDirection } from '../ports.js';

/**
 * The direction the remote side declared for its audio stream: the audio m-section's
 * attribute, else the session-level one, else sendrecv. `c=0.0.0.0` is RFC 2543 hold.
 */
export function remoteAudioDirection(sdp: string): MediaDirection {
  const lines = sdp.split(/\r?\n/);
  let sessionDir: MediaDirection | undefined;
  let audioDir: MediaDirection | undefined;
  let inAudio = false;
  let seenMedia = false;
  let holdAddress = false;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      seenMedia = true;
      inAudio = line.startsWith('m=audio');
      continue;
    }
    const m = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.exec(line);
    if (m) {
      if (!seenMedia) sessionDir = m[1] as MediaDirection;
      else if (inAudio) audioDir = m[1] as MediaDirection;
    }
    if ((!seenMedia || inAudio) && /^c=IN IP4 0\.0\.0\.0/.test(line)) holdAddress = true;
  }
  if (holdAddress) return 'inactive';
  return audioDir ?? sessionDir ?? 'sendrecv';
}

/** The peer is holding us when it will not send to us, or it offers neither way. */
export function isHoldOffer(sdp: string): boolean {
  const d = remoteAudioDirection(sdp);
  return d === 'sendonly' || d === 'inactive';
}

/** Our answer's direction for a remote offer (RFC 3264 6.1). */
export function answerDirection(offer: MediaDirection, localHold: boolean): MediaDirection {
  const mirrored: MediaDirection = offer === 'sendonly' ? 'recvonly' : offer === 'recvonly' ? 'sendonly' : offer;
  if (!localHold) return mirrored;
  return mirrored === 'sendrecv' || mirrored === 'sendonly' ? 'sendonly' : 'inactive';
}

/** Our media direction given who holds: we stop sending when we hold, stop receiving when they do. */
export function holdDirection(localHold: boolean, remoteHold: boolean): MediaDirection {
  if (localHold) return remoteHold ? 'inactive' : 'sendonly';
  return remoteHold ? 'recvonly' : 'sendrecv';
}
