export * from './model.js';
export * from './parser.js';
export * from './serializer.js';
export * from './codec-match.js';
export * from './offer-answer.js';
export * from './codec-compat.js';
