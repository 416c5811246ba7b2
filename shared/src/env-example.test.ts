import fs from 'node:fs';
import path from 'node:path';

/** Every setting the config reads is documented in .env.example, and nothing documented is unknown. */
test('.env.example documents exactly the settings shared/src/config.ts reads', () => {
  const src = fs.readFileSync(path.join(__dirname, 'config.ts'), 'utf8');
  const schemaBlock = src.slice(
    src.indexOf('const envSchema = z.object({'),
    src.indexOf('});', src.indexOf('const envSchema = z.object({')),
  );
  const read = new Set([...schemaBlock.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]));
  const example = fs.readFileSync(path.join(__dirname, '..', '..', '.env.example'), 'utf8');
  const documented = new Set([...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  const launcherOnly = new Set(['ARKIVE_PRIVATE_REDIS_PORT', 'ARKIVE_PRIVATE_PG_PORT']);
  expect(read.size).toBeGreaterThan(20);
  expect([...read].filter((k) => !documented.has(k))).toEqual([]);
  expect([...documented].filter((k) => !read.has(k) && !launcherOnly.has(k))).toEqual([]);
});
