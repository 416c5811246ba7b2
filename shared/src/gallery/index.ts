export * from './stores';
export * from './tokens';
export * from './mail';
export * from './email-template';
export * from './archives';
export * from './notify';
export * from './retention';
export * from './zip-to-bucket';
