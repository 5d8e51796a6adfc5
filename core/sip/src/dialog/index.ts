export * from './errors.js';
export * from './dialog-id.js';
export * from './route-set.js';
export * from './dialog.js';
export * from './dialog-factory.js';
export * from './wire.js';
export * from './invite-2xx.js';
export * from './dialog-layer.js';
