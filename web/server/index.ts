import { createWebServer } from './web-server';
import { ConfigError, loadConfig } from '@arkive/shared';

async function main(): Promise<void> {
  const config = loadConfig();
  const web = await createWebServer({
    config,
    next: { dev: process.argv.includes('--dev') || process.env.ARKIVE_WEB_DEV === '1' },
  });
  await web.listen();
  web.logger.info({ port: web.port }, `Web listening on http://${config.bindHost}:${web.port}`);
  const stop = (signal: string) => {
    web.logger.info({ signal }, 'shutting down');
    void web.close().then(() => process.exit(0));
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
