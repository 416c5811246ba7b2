#!/usr/bin/env node
'use strict';
/** `npm run migrate`: create the database if needed and apply the committed SQL migrations. */
const path = require('node:path');
const { loadDotEnv } = require('./env');

const root = path.resolve(__dirname, '..', '..');
loadDotEnv(path.join(root, '.env'));
const url = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/arkive';
const { ensureDatabase, applyMigrations } = require(path.join(root, 'shared', 'dist', 'migrate.js'));
(async () => {
  if (await ensureDatabase(url)) console.log('created the database');
  const r = await applyMigrations(url, path.join(root, 'prisma', 'migrations'), console.log);
  console.log(`up to date: ${r.applied.length} applied now, ${r.alreadyApplied.length} already applied`);
})().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
