import { ConfigError, createPrisma, loadConfig } from '@arkive/shared';
import { ensureFirstAdmin, firstAdminMessage } from './auth/bootstrap-admin';

/** `node dist/bootstrap.js`: creates the first administrator when none exists, prints a generated password once, exits. */
async function main(): Promise<void> {
  const config = loadConfig();
  const prisma = createPrisma(config.databaseUrl, 2);
  try {
    const result = await ensureFirstAdmin(prisma, config);
    const message = firstAdminMessage(result);
    if (message) console.log(message);
    else if (result.created)
      console.log(`First admin: ${result.username} (password from ARKIVE_ADMIN_PASSWORD)`);
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
