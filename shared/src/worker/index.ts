export * from './types';
export * from './base-worker';
export * from './shutdown';
