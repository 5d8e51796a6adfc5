import { expect } from 'chai';
import { copyRecordRoute, routeEntry, routeRequest, routeSetFrom, splitHeaderList } from '../../src/dialog/route-set.js';
import { createResponse } from '../../src/transaction/response.js';
import { createUacDialog, createUasDialog } from '../../src/dialog/dialog-factory.js';
import { inviteAtUac, inviteAtUas, reparse, req, responseAtUac, uasResponse } from './fixtures.js';

describe('dialog route sets (RFC 3261 12.1, 12.2.1.1, 16.12)', () => {
  it('splits comma lists but not commas inside quotes or angle brackets', () => {
    expect(splitHeaderList('<sip:a;lr>, "x, y" <sip:b;lr>,<sip:c;foo=a,b;lr>')).to.deep.equal([
      '<sip:a;lr>',
      '"x, y" <sip:b;lr>',
      '<sip:c;foo=a,b;lr>',
    ]);
  });

  it('UAS keeps Record-Route in order; UAC reverses it', () => {
    const rr = ['<sip:p3.example.com;lr>', '<sip:p2.example.com;lr>, <sip:p1.example.com;lr>'];
    const invite = inviteAtUas({ recordRoute: rr });
    expect(routeSetFrom(invite, 'uas').map((r) => r.value)).to.deep.equal([
      '<sip:p3.example.com;lr>',
      '<sip:p2.example.com;lr>',
      '<sip:p1.example.com;lr>',
    ]);
    const ok = responseAtUac(200, 'bobtag', { recordRoute: rr });
    expect(routeSetFrom(ok, 'uac').map((r) => r.value)).to.deep.equal([
      '<sip:p1.example.com;lr>',
      '<sip:p2.example.com;lr>',
      '<sip:p3.example.com;lr>',
    ]);
  });

  it('keeps Record-Route entries verbatim, parameters included', () => {
    const e = routeEntry('<sip:p1.example.com;lr;ftag=abc;did=1.2>');
    expect(e.value).to.equal('<sip:p1.example.com;lr;ftag=abc;did=1.2>');
    expect(e.loose).to.equal(true);
    expect(routeEntry('<sip:p1.example.com>').loose).to.equal(false);
  });

  it('loose routing: Request-URI is the remote target, Route is the whole set', () => {
    const set = [routeEntry('<sip:p1.example.com;lr>'), routeEntry('<sip:p2.example.com;lr>')];
    expect(routeRequest(set, 'sip:bob@192.0.2.4')).to.deep.equal({
      requestUri: 'sip:bob@192.0.2.4',
      routes: ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'],
    });
  });

  it('strict routing: first route becomes the Request-URI, remote target the last Route', () => {
    const set = [routeEntry('<sip:p1.example.com;method=INVITE?X-H=1>'), routeEntry('<sip:p2.example.com;lr>')];
    expect(routeRequest(set, 'sip:bob@192.0.2.4')).to.deep.equal({
      requestUri: 'sip:p1.example.com',
      routes: ['<sip:p2.example.com;lr>', '<sip:bob@192.0.2.4>'],
    });
  });

  it('no route set: Request-URI is the remote target and no Route is sent', () => {
    expect(routeRequest([], 'sip:bob@192.0.2.4')).to.deep.equal({ requestUri: 'sip:bob@192.0.2.4', routes: [] });
  });

  it('a UAC BYE through loose routers carries the reversed Record-Route as Route', () => {
    const dialog = createUacDialog(inviteAtUac(), responseAtUac(200, 'bobtag'));
    const bye = reparse(dialog.createRequest('BYE'));
    expect(bye.rawUri).to.equal('sip:bob@192.0.2.4');
    expect(bye.routes.map((r) => r.uri.toString())).to.deep.equal(['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
  });

  it('a UAC BYE via a strict router puts it in the Request-URI and the target last', () => {
    const ok = responseAtUac(200, 'bobtag', { recordRoute: ['<sip:p2.example.com;lr>', '<sip:p1.example.com>'] });
    const dialog = createUacDialog(inviteAtUac(), ok);
    const bye = reparse(dialog.createRequest('BYE'));
    expect(bye.rawUri).to.equal('sip:p1.example.com');
    expect(bye.routes.map((r) => r.uri.toString())).to.deep.equal(['sip:p2.example.com;lr', 'sip:bob@192.0.2.4']);
  });

  it('a UAS BYE uses the Record-Route in received order', () => {
    const invite = inviteAtUas();
    const dialog = createUasDialog(invite, uasResponse(invite, 200));
    const bye = reparse(dialog.createRequest('BYE'));
    expect(bye.rawUri).to.equal('sip:alice@pc33.atlanta.example.com');
    expect(bye.routes.map((r) => r.uri.toString())).to.deep.equal(['sip:p2.example.com;lr', 'sip:p1.example.com;lr']);
  });

  it('ignores the Route headers the UAC preloaded on its INVITE', () => {
    const invite = req([
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK-uac',
      'Route: <sip:outbound.example.com;lr>',
      'To: <sip:bob@biloxi.example.com>',
      'From: <sip:alice@atlanta.example.com>;tag=x1',
      'Call-ID: preloaded@x',
      'CSeq: 1 INVITE',
      'Contact: <sip:alice@pc33.atlanta.example.com>',
      'Content-Length: 0',
    ]);
    const ok = responseAtUac(200, 'b', { recordRoute: [] });
    ok.setHeader('From', '<sip:alice@atlanta.example.com>;tag=x1').setHeader('Call-ID', 'preloaded@x').setHeader('CSeq', '1 INVITE');
    const dialog = createUacDialog(invite, ok);
    expect(dialog.routeSet).to.deep.equal([]);
    expect(reparse(dialog.createRequest('BYE')).headers.has('route')).to.equal(false);
  });

  it('copyRecordRoute puts the request Record-Route into the UAS response, in order', () => {
    const invite = inviteAtUas({ recordRoute: ['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr;ftag=x>'] });
    const ok = createResponse(invite, 200, 'OK', { toTag: 'b' });
    copyRecordRoute(invite, ok);
    const atUac = reparse(ok);
    expect(atUac.headers.getAll('record-route')).to.deep.equal(['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr;ftag=x>']);
    expect(routeSetFrom(atUac, 'uac').map((r) => r.value)).to.deep.equal(['<sip:p1.example.com;lr;ftag=x>', '<sip:p2.example.com;lr>']);
  });
});
