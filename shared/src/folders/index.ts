export * from './paths';
export * from './markers';
export * from './tree-stats';
export * from './space';
export * from './retry';
