export { RvoipError, isRvoipError } from './errors.js';
export { Logger, silentLogger } from './logger.js';
export type { LogFn } from './logger.js';
export type { JsonPrimitive, JsonValue, JsonObject, JsonSchema } from './json.js';
export type { Disposable } from './disposable.js';
export type { MediaStats } from './media-stats.js';
export { SessionManager, CallController, ConferenceManager } from './session.js';
export type {
  SessionId, CallDirection, CallState, EndReason, DtmfDigit, DtmfMethod, SipAddress, SessionInfo,
  SessionStateChange, SessionFilter, DialOptions, AnswerOptions, DtmfOptions, AudioSource,
  RecordingOptions, RecordingHandle, ConferenceOptions, ConferenceParticipant, ConferenceInfo,
} from './session.js';
export { RegistryService } from './registry.js';
export type {
  TransportProtocol, RemoteEndpoint, ContactBinding, RegistrationRequest, RegistrationResult, RegistrationChange,
} from './registry.js';
export { StorageAdapter } from './storage.js';
export type { UserRecord, UserStore, BindingStore, CdrRecord, CdrQuery, CdrStore, KeyValueStore } from './storage.js';
export { SignalingHandler, Decision } from './signaling.js';
export type { SipMethod, IncomingRequestInfo, ResponseSpec, RequestResponder, SignalingDecision } from './signaling.js';
export { CallEventAdapter, CallEventSink, StateActionAdapter, StateTable } from './adapters.js';
export type {
  CallEvent, CallEventType, CallEventOf, CallEventAdapterStats, StateActionParams, StateActionResult,
  StateActionRef, StateTransition,
} from './adapters.js';
export { Lifecycle } from './lifecycle.js';
export type { LifecycleHook } from './lifecycle.js';
export { ContributionProvider, bindContributionProvider, contributionPointsModule } from './contribution.js';
export { ResolvedConfig, defineConfig } from './config.js';
export type {
  RvoipConfig, ConfigInput, SipListenUri, LogLevel, PluginBootFailurePolicy, PluginOptions, PluginEntry,
  PluginEntryObject, SipUser, DigestAlgorithmName,
} from './config.js';
export { PLUGIN_KIND, createPluginDefinition, isPluginDefinition } from './plugin.js';
export type { PluginContext, PluginModule, PluginManifest, PluginDefinition } from './plugin.js';
