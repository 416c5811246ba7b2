export * from '@arkive/shared/engine-light';
