export * from './types';
export * from './secret';
export * from './session';
export * from './run-role';
export * from './signed-link';
export * from './visibility';
export * from './access-events';
export * from './site';
