export * from '@arkive/shared/engine';
