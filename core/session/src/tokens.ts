/**
 * Tokens for what the session layer consumes from the layers below. The kernel binds the
 * SIP user agent (core/sip SipStack) and a media-leg factory (core/media MediaEngine
 * adapted by `mediaEngineLegs`) under them; CallSettings carries the local identity.
 */
export const SipUserAgentToken = Symbol.for('rvoip.session.SipUserAgent');
export const MediaLegFactoryToken = Symbol.for('rvoip.session.MediaLegFactory');
export const CallSettingsToken = Symbol.for('rvoip.session.CallSettings');
export const SessionRuntimeToken = Symbol.for('rvoip.session.SessionRuntime');
