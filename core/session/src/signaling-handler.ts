import type { IncomingRequestInfo, SignalingDecision, SignalingHandler } from '@rvoip/contracts';
import { Decision } from '@rvoip/contracts';

/** The default decision: accept every call. Call-centre engines rebind the token. */
export class AcceptAllSignalingHandler implements SignalingHandler {
  decide(_request: IncomingRequestInfo): SignalingDecision {
    return Decision.accept();
  }
}
