import { closeDeps, createDeps } from './deps';
import { createApp } from './app';
import { ConfigError, loadConfig, waitForRedis } from '@arkive/shared';
import { ensureFirstAdmin, firstAdminMessage } from './auth/bootstrap-admin';
import { startMaintenance } from './maintenance';

async function main(): Promise<void> {
  const config = loadConfig();
  const deps = createDeps(config);
  await waitForRedis(deps.redis, 60000);
  const app = createApp(deps);
  // Normally done by the launcher (dist/bootstrap.js) before; a generated password is shown once, never logged.
  const firstAdmin = firstAdminMessage(await ensureFirstAdmin(deps.prisma, config));
  if (firstAdmin) console.log(firstAdmin);
  const maintenance = await startMaintenance(deps);
  const server = app.listen(config.apiPort, config.bindHost, () => {
    deps.logger.info({ port: config.apiPort }, `API listening on http://127.0.0.1:${config.apiPort}`);
  });
  const stop = (signal: string) => {
    deps.logger.info({ signal }, 'shutting down');
    server.close(() => void maintenance.close().finally(() => closeDeps(deps).then(() => process.exit(0))));
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
