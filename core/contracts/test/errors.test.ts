import { expect } from 'chai';
import { RvoipError, isRvoipError } from '@rvoip/contracts';

describe('contracts/RvoipError', () => {
  it('carries its code, message, details and cause', () => {
    const cause = new Error('socket closed');
    const err = new RvoipError('RVOIP_ERR_TEST', 'boom at x', { where: 'x' }, { cause });
    expect(err.code).to.equal('RVOIP_ERR_TEST');
    expect(err.message).to.equal('boom at x');
    expect(err.details).to.deep.equal({ where: 'x' });
    expect(err.cause).to.equal(cause);
    expect(isRvoipError(err, 'RVOIP_ERR_TEST')).to.equal(true);
    expect(isRvoipError(err, 'RVOIP_ERR_OTHER')).to.equal(false);
    expect(isRvoipError(new Error('plain'))).to.equal(false);
  });
});
