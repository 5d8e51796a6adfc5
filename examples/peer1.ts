// peer1: answers calls on sip:peer1@127.0.0.1:5061, plays a 440 Hz tone, records what it
// hears to $TMPDIR/peer1.wav and prints the digits it receives.   Run: npm run example:peer1
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimplePeer } from '@rvoip/sdk';

const wavPath = process.env.PEER1_WAV ?? join(tmpdir(), 'peer1.wav');

const peer = await SimplePeer.create('peer1', Number(process.env.PEER1_PORT ?? 5061));
console.log(`peer1 listening on ${peer.address}; start peer2 to call it (Ctrl-C to stop)`);

for await (const call of peer.incomingCalls()) {
  console.log(`incoming call from ${call.remoteUri}`);
  await call.accept();
  call.onDtmf((d) => console.log(`peer1 got DTMF ${d.digit} (${d.method})`));
  const recording = await call.startRecording(wavPath);
  void call.playTone([440], 60_000).catch(() => undefined);
  await call.waitForEnd();
  await recording.stop().catch(() => undefined);
  console.log(`call ended after ${(call.duration / 1000).toFixed(1)} s; heard audio is in ${wavPath}`);
  if (process.env.PEER1_ONCE) break;
}
await peer.close();
