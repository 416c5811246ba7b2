/**
 * `@arkive/shared/contracts`: the browser-safe part of the shared package (no Node built-ins,
 * no database or Redis clients): identifiers, channel names, event types and the terminal set,
 * job kinds and their stages, socket.io event maps and the zod schemas of API responses. The
 * web and the CLI import these instead of repeating lists or guessing fields.
 */
export * from './ids';
export * from './channels';
export * from './events';
export * from './kinds';
export * from './operations';
export * from './socket';
export * from './api';
export * from './roles';
export * from './migration';
export * from './provenance';
