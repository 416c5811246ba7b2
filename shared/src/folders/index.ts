export * from './paths';
export * from './markers';
export * from './scan';
export * from './space';
export * from './jobs';
export * from './retry';
