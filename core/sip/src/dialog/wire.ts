/**
 * The slice of the transport the dialog layer needs. ACKs for 2xx and 2xx
 * retransmissions bypass the transaction layer (RFC 3261 13.2.2.4, 13.3.1.4, 17.1.1.2),
 * so they go straight here. The transaction layer's TransactionTransport (and thus the
 * TransportLayer) has this shape already.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { TransactionSource, TransactionTarget } from '../transaction/transport.js';

export interface DialogWire {
  /** Sends a request outside any transaction; resolves the target when absent. */
  sendRequest(req: SipRequest, target?: TransactionTarget): Promise<unknown>;
  /** Sends a response outside any transaction, routed by its Via or the source connection. */
  sendResponse(res: SipResponse, source?: TransactionSource): Promise<unknown>;
}
