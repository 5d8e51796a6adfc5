import type { Logger, SessionManager } from '@rvoip/contracts';
import type { DefaultCallController } from '../call-controller.js';
import type { SessionRuntime } from '../session-runtime.js';
import type { PbxOptions } from './options.js';
import type { SessionWatch } from './session-watch.js';

/** What the PBX pieces share: the session layer's command and read sides plus its event outlet. */
export interface PbxContext {
  readonly calls: DefaultCallController;
  readonly sessions: SessionManager;
  readonly runtime: SessionRuntime;
  readonly watch: SessionWatch;
  readonly logger: Logger;
  readonly options: PbxOptions;
}
