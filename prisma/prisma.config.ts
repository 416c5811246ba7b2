import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// The JS engine + driver adapter lets every prisma command we use (generate, migrate diff)
// run offline with the bundled WebAssembly engines: no native engine download is needed.
process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/arkive';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'migrations') },
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
});
