import { closeDeps, createDeps } from './deps';
import { createApp } from './app';
import { ConfigError, loadConfig } from '@arkive/shared';

async function main(): Promise<void> {
  const config = loadConfig();
  const deps = createDeps(config);
  const app = createApp(deps);
  const server = app.listen(config.apiPort, config.bindHost, () => {
    deps.logger.info({ port: config.apiPort }, `API listening on http://127.0.0.1:${config.apiPort}`);
  });
  const stop = (signal: string) => {
    deps.logger.info({ signal }, 'shutting down');
    server.close(() => void closeDeps(deps).then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 10000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
