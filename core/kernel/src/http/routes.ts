import type { RvoipMetrics } from './metrics.js';
import type { Router } from './router.js';

export type Readiness = 'starting' | 'ok' | 'stopping';

export interface OperatorDeps {
  /** 'ok' only once the kernel reports every lifecycle service started. */
  readiness(): Readiness;
  /** Seconds since the node became ready. */
  uptimeSeconds(): number;
  readonly version: string;
  readonly metrics: RvoipMetrics;
}

/** `/health` for load balancers and orchestrators, `/metrics` for Prometheus. */
export function operatorRoutes(router: Router, deps: OperatorDeps): Router {
  return router
    .get('/health', () => {
      const status = deps.readiness();
      if (status !== 'ok') return { status: 503, json: { status } };
      return { status: 200, json: { status, uptimeSeconds: deps.uptimeSeconds(), version: deps.version } };
    })
    .get('/metrics', async () => ({ status: 200, text: await deps.metrics.render(), contentType: deps.metrics.contentType }));
}
