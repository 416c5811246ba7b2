export * from './restic';
export * from './repos';
export * from './backup';
export * from './snapshots';
export * from './restore';
export * from './plan';
export * from './freshness';
export * from './scrub';
