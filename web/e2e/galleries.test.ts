import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { zipEntryHashes } from '../../shared/src/test-support/gallery';
import { startSystem, type ArkiveSystem } from './system';
import { launchBrowser, shot } from './browser';
import { signIn } from './session';

/**
 * Galleries in chromium against the whole system (API, gallery-archive worker, local buckets,
 * the .eml outbox): a photographer creates a password-protected gallery, uploads images through
 * the file picker (a non-image is refused per file), sees thumbnails, adds a client, publishes
 * and watches the archive become ready; Download all gives a ZIP holding exactly the images; the
 * client opens the e-mailed link without an account; the public page asks for the password and
 * refuses a wrong one.
 */
jest.setTimeout(300000);

let sys: ArkiveSystem;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let tmp: string;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-e2e-gallery-'));
  sys = await startSystem();
  browser = await launchBrowser();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await signIn(ctx, sys.webUrl, sys.adminUsername, sys.adminPassword);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

/** The entries of a ZIP (without our manifest) with the SHA-256 of each, read by Python's zipfile. */
async function zipHashes(body: Buffer): Promise<Record<string, string>> {
  const file = path.join(tmp, `${sha256(body)}.zip`);
  await fs.writeFile(file, body);
  return zipEntryHashes(file);
}

/** The text of the .eml files in DATA_DIR/outbox, quoted-printable decoded. */
async function outbox(): Promise<string[]> {
  const dir = path.join(sys.world.dataDir, 'outbox');
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const texts = await Promise.all(names.map((n) => fs.readFile(path.join(dir, n), 'utf8')));
  return texts.map((raw) =>
    raw
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
  );
}

test('create, upload, publish, download; the client opens the e-mailed link; the password is asked and checked', async () => {
  const images: Record<string, Buffer> = {
    'sunset.png': await sharp({
      create: { width: 640, height: 480, channels: 3, background: { r: 240, g: 120, b: 40 } },
    })
      .png()
      .toBuffer(),
    'forest.jpg': await sharp({
      create: { width: 480, height: 640, channels: 3, background: { r: 30, g: 140, b: 60 } },
    })
      .jpeg({ quality: 80 })
      .toBuffer(),
    'sea.webp': await sharp({
      create: { width: 500, height: 500, channels: 3, background: { r: 20, g: 60, b: 200 } },
    })
      .webp()
      .toBuffer(),
  };

  await page.goto(`${sys.webUrl}/galleries`);
  await page.getByText('No galleries yet').waitFor();
  const form = page.getByRole('form', { name: 'Create gallery' });
  await form.getByLabel('Title').fill('Summer wedding');
  await form.getByLabel('Download password (optional)').fill('cake-and-rings');
  await form.getByRole('button', { name: 'Create gallery' }).click();
  await page.waitForURL(/\/galleries\/[0-9a-f-]{36}$/);
  const galleryId = page.url().split('/').pop()!;
  await page.getByRole('heading', { name: 'Summer wedding' }).waitFor();
  await expect(page.getByRole('button', { name: 'Publish' }).isDisabled()).resolves.toBe(true);

  // The picker takes several files; each gets its own progress line; a text file named .jpg is refused.
  await page.locator('input[type=file]').setInputFiles([
    ...Object.entries(images).map(([name, buffer]) => ({
      name,
      mimeType: name.endsWith('.png') ? 'image/png' : name.endsWith('.jpg') ? 'image/jpeg' : 'image/webp',
      buffer,
    })),
    { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('these are not pixels\n'.repeat(20)) },
  ]);
  const uploads = page.getByRole('list', { name: 'Uploads' });
  await uploads.getByText('Uploaded').nth(2).waitFor();
  await uploads
    .getByRole('listitem')
    .filter({ hasText: 'notes.jpg' })
    .getByText(/not an image|unsupported/i)
    .waitFor();
  await page.getByRole('heading', { name: 'Images (3)' }).waitFor();
  // Thumbnails are real decoded images (sharp's WebP), not broken links.
  const thumbs = page.locator('section[aria-labelledby="images-h"] img');
  await expect(thumbs.count()).resolves.toBe(3);
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll<HTMLImageElement>('section[aria-labelledby="images-h"] img')].every(
        (i) => i.complete && i.naturalWidth > 0,
      ),
    undefined,
    { timeout: 30000 },
  );

  const clients = page.getByRole('form', { name: 'Add client' });
  await clients.getByLabel('E-mail').fill('cleo@example.com');
  await clients.getByLabel('Name (optional)').fill('Cleo');
  await clients.getByRole('button', { name: 'Add client' }).click();
  await page.getByRole('cell', { name: 'Cleo <cleo@example.com>' }).waitFor();

  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Ready to download').waitFor({ timeout: 120000 });
  await shot(page, 'gallery-ready');
  const versions = page.locator('section[aria-labelledby="archive-h"]');
  await versions.getByText('Version').waitFor();

  // Download all (the owner's session) is a ZIP holding exactly the uploaded images.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download all' }).click(),
  ]);
  const zip = await fs.readFile((await download.path())!);
  const expected = Object.fromEntries(Object.entries(images).map(([n, b]) => [n, sha256(b)]));
  expect(await zipHashes(zip)).toEqual(expected);

  // The client's e-mail (the outbox: no SMTP server configured) links to the public download page.
  let mail: string | undefined;
  for (let i = 0; i < 100 && !mail; i++) {
    mail = (await outbox()).find((t) => t.includes('cleo@example.com'));
    if (!mail) await new Promise((r) => setTimeout(r, 200));
  }
  expect(mail).toBeDefined();
  expect(mail).toContain('Summer wedding');
  expect(mail).toContain('3 images');
  const link = new RegExp(`${sys.webUrl.replace(/[.]/g, '\\.')}/[^\\s"<>]*${galleryId}[^\\s"<>]*`).exec(
    mail!,
  );
  expect(link).not.toBeNull();
  await expect(page.getByRole('row').filter({ hasText: 'cleo@example.com' }).textContent()).resolves.toMatch(
    /✓sent /,
  );

  // The client has no account: a fresh browser context.
  const client = await browser.newContext({ viewport: { width: 390, height: 844 }, acceptDownloads: true });
  try {
    const cp = await client.newPage();
    await cp.goto(link![0].replace(/&amp;/g, '&'));
    await cp.getByRole('heading', { name: 'Summer wedding' }).waitFor();
    expect(new URL(cp.url()).pathname).toBe(`/download/${galleryId}`); // no sign-in asked
    const [clientDownload] = await Promise.all([
      cp.waitForEvent('download'),
      cp.getByRole('link', { name: /^Download all photos/ }).click(),
    ]);
    expect(await zipHashes(await fs.readFile((await clientDownload.path())!))).toEqual(expected);
    await shot(cp, 'gallery-client-link');

    // Without the link the page asks for the password; a wrong one is refused, the right one works.
    const bare = await client.newPage();
    await bare.goto(`${sys.webUrl}/download/${galleryId}`);
    const pw = bare.getByRole('form', { name: 'Gallery password' });
    await pw.getByLabel('Password').fill('wrong-guess');
    await pw.getByRole('button', { name: 'Continue' }).click();
    await bare
      .getByRole('alert')
      .filter({ hasText: /password/i })
      .waitFor();
    await expect(bare.getByRole('link', { name: /^Download all photos/ }).count()).resolves.toBe(0);
    await shot(bare, 'gallery-wrong-password');
    await pw.getByLabel('Password').fill('cake-and-rings');
    await pw.getByRole('button', { name: 'Continue' }).click();
    const [pwDownload] = await Promise.all([
      bare.waitForEvent('download'),
      bare.getByRole('link', { name: 'Download all photos (ZIP)' }).click(),
    ]);
    expect(await zipHashes(await fs.readFile((await pwDownload.path())!))).toEqual(expected);

    // An unknown gallery says so, without a sign-in.
    await bare.goto(`${sys.webUrl}/download/00000000-0000-4000-8000-000000000000`);
    await bare.getByRole('heading', { name: 'This gallery does not exist (any more).' }).waitFor();
  } finally {
    await client.close();
  }
});
