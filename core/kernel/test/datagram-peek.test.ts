import { expect } from 'chai';
import { isRegisterDatagram } from '@rvoip/kernel';

describe('kernel/workers: REGISTER peek on raw datagrams', () => {
  const b = (s: string): Buffer => Buffer.from(s, 'latin1');

  it('recognizes a REGISTER request line, after leading CRLFs too', () => {
    expect(isRegisterDatagram(b('REGISTER sip:example.com SIP/2.0\r\nVia: x\r\n\r\n'))).to.equal(true);
    expect(isRegisterDatagram(b('\r\n\r\nREGISTER sip:example.com SIP/2.0\r\n\r\n'))).to.equal(true);
  });

  it('sends everything else to the main thread: other methods, responses, malformed or short datagrams', () => {
    for (const text of [
      'INVITE sip:echo@example.com SIP/2.0\r\n', 'ACK sip:x SIP/2.0\r\n', 'SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\n',
      'register sip:example.com SIP/2.0\r\n', 'REGISTERX sip:x SIP/2.0\r\n', 'REGISTER', '', '\r\n',
    ]) expect(isRegisterDatagram(b(text)), JSON.stringify(text)).to.equal(false);
  });
});
