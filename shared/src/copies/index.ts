export * from './paths';
export * from './rows';
export * from './sweep';
export * from './gate';
