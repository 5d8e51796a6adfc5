/**
 * One client transaction seen as a promise: provisional responses to a callback, the
 * final response as the value; timeouts and transport failures as typed errors carrying
 * the status the RFC says to act on (408, 503).
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { ClientTransaction, TransactionLayer } from '../transaction/layer.js';
import type { RemoteTarget } from '../transport/types.js';
import type { DigestClient } from '../auth/digest-client.js';
import { SipRequestError, SIP_UA_TIMEOUT, SIP_UA_TRANSPORT } from './errors.js';
import { nextAttempt } from './request-factory.js';

export interface ClientRequestHooks {
  onProvisional?: (res: SipResponse, tx: ClientTransaction) => void;
  /** Every 2xx (INVITE forks and RFC 6026 retransmissions included), first one resolves. */
  onSuccess?: (res: SipResponse, tx: ClientTransaction) => void;
  onTransaction?: (tx: ClientTransaction) => void;
}

export function runTransaction(
  layer: TransactionLayer,
  req: SipRequest,
  target: RemoteTarget | undefined,
  hooks: ClientRequestHooks = {},
): Promise<SipResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const tx = layer.sendRequest(req, target, {
      provisional: (res) => hooks.onProvisional?.(res, tx),
      final: (res) => {
        if (res.status >= 200 && res.status < 300) hooks.onSuccess?.(res, tx);
        if (settled) return;
        settled = true;
        resolve(res);
      },
      timeout: () => {
        if (settled) return;
        settled = true;
        reject(new SipRequestError(SIP_UA_TIMEOUT, `${req.method} ${req.rawUri}: no final response (timeout)`, 408, 'Request Timeout'));
      },
      transportError: (err) => {
        if (settled) return;
        settled = true;
        reject(
          new SipRequestError(SIP_UA_TRANSPORT, `${req.method} ${req.rawUri}: could not be sent: ${err.message}`, 503, 'Service Unavailable', {
            cause: err.message,
          }),
        );
      },
    });
    hooks.onTransaction?.(tx);
  });
}

/**
 * Sends a request, answering 401/407 challenges with `digest` (RFC 3261 22.2): each
 * retry is a new transaction with the next CSeq. Returns the last final response.
 */
export async function sendWithAuth(
  layer: TransactionLayer,
  first: SipRequest,
  target: RemoteTarget | undefined,
  digest: DigestClient | undefined,
  hooks: ClientRequestHooks = {},
): Promise<{ request: SipRequest; response: SipResponse }> {
  let req = first;
  for (;;) {
    const res = await runTransaction(layer, req, target, hooks);
    if ((res.status !== 401 && res.status !== 407) || digest === undefined) return { request: req, response: res };
    let lines;
    try {
      lines = digest.authorize(req, res);
    } catch {
      // Rejected credentials or no usable challenge: the challenge is the answer.
      return { request: req, response: res };
    }
    const retry = nextAttempt(req);
    retry.headers.removeAll('authorization').removeAll('proxy-authorization');
    for (const line of lines) retry.headers.append(line.name, line.value);
    retry.invalidate();
    req = retry;
  }
}
