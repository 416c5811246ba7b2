import { parseConfig } from '@arkive/shared';
import { createWebServer } from '../../web/server/web-server';

/** Bench child: the web server's relay (no Next pages), sessions stubbed; reports its port. */
void (async () => {
  const web = await createWebServer({
    config: parseConfig(process.env),
    port: 0,
    verifySession: async (t) => (t === 'bench' ? { id: 1, username: 'bench', isAdmin: false } : undefined),
    access: { roleOf: async () => 'viewer', runsOf: async () => [] },
  });
  await web.listen();
  process.send!({ type: 'listening', port: web.port });
  process.on('SIGTERM', () => void web.close().then(() => process.exit(0)));
})();
