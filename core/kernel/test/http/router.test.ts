import { expect } from 'chai';
import { HttpError, parseListen } from '@rvoip/kernel';
import { Router } from '../../src/http/router.js';
import type { RouteMatch } from '../../src/http/router.js';

function fails(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('expected an HttpError');
}

describe('kernel http: listen address and router', () => {
  it('parses host:port, bracketed IPv6 and port 0; rejects the rest with RVOIP_ERR_HTTP_LISTEN_INVALID', () => {
    expect(parseListen('127.0.0.1:8080')).to.deep.equal({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:0')).to.deep.equal({ host: '::1', port: 0 });
    expect(parseListen('localhost:65535')).to.deep.equal({ host: 'localhost', port: 65535 });
    for (const bad of ['127.0.0.1', ':8080', '127.0.0.1:65536', 'http://127.0.0.1:80', '::1:80']) {
      expect(() => parseListen(bad), bad).to.throw(/http\.listen/).with.property('code', 'RVOIP_ERR_HTTP_LISTEN_INVALID');
    }
  });

  const ok = () => ({ status: 200 });
  const router = new Router().get('/health', ok).get('/api/v1/calls/:id', ok).delete('/api/v1/calls/:id', ok);

  it('matches patterns and decodes parameters; HEAD is served by GET', () => {
    const m: RouteMatch = router.match('GET', '/api/v1/calls/a%20b');
    expect(m.pattern).to.equal('/api/v1/calls/:id');
    expect(m.params).to.deep.equal({ id: 'a b' });
    expect(router.match('HEAD', '/health').pattern).to.equal('/health');
    expect(router.match('DELETE', '/api/v1/calls/x').params).to.deep.equal({ id: 'x' });
  });

  it('404 for unknown paths (empty parameters included), 405 with Allow for other methods, 400 for bad encoding', () => {
    expect(fails(() => router.match('GET', '/api/v1/calls/')).status).to.equal(404);
    expect(fails(() => router.match('GET', '/health/')).code).to.equal('RVOIP_ERR_HTTP_NOT_FOUND');
    const wrong = fails(() => router.match('POST', '/api/v1/calls/x'));
    expect(wrong.status).to.equal(405);
    expect(wrong.headers).to.deep.equal({ Allow: 'GET, HEAD, DELETE' });
    expect(fails(() => router.match('GET', '/api/v1/calls/%ZZ')).status).to.equal(400);
  });
});
