// peer2: calls peer1, plays a 1000 Hz tone for 5 s, records what it hears to $TMPDIR/peer2.wav,
// sends DTMF 1-2-3 and hangs up.   Run: npm run example:peer2 (after example:peer1)
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimplePeer } from '@rvoip/sdk';

const wavPath = process.env.PEER2_WAV ?? join(tmpdir(), 'peer2.wav');

const target = process.env.PEER2_TARGET ?? 'peer1@127.0.0.1:5061';
const peer = await SimplePeer.create('peer2', Number(process.env.PEER2_PORT ?? 5062));
const call = await peer.call(target);
await call.waitForAnswer();
console.log(`connected to ${call.remoteUri} (${call.codec ?? 'codec?'})`);

const recording = await call.startRecording(wavPath);
await call.playTone([1000], 5000);
await call.sendDtmf('123');
await recording.stop();
await call.hangup();
console.log(`call lasted ${(call.duration / 1000).toFixed(1)} s; heard audio is in ${wavPath}`);
await peer.close();
