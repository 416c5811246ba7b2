import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../config';
import { archiveEmail } from './email-template';
import { createMailer, outboxDir } from './mail';
import { signDownloadToken, verifyDownloadToken } from './tokens';

describe('gallery mail', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-outbox-'));
  });
  afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

  it('without SMTP_URL or RESEND_API_KEY, writes the HTML + text message as an .eml file to DATA_DIR/outbox', async () => {
    const config = parseConfig({ DATA_DIR: dataDir, MAIL_FROM: 'Studio <studio@example.com>' });
    const mailer = createMailer(config);
    expect(mailer.transport).toBe('outbox');
    const msg = archiveEmail({
      to: 'cleo@example.com',
      clientName: 'Cleo',
      galleryTitle: 'Beach <wedding>',
      imageCount: 12,
      sizeBytes: 48_000_000,
      downloadUrl: 'https://photos.example.com/api/download/x?token=1.y',
      pageUrl: 'https://photos.example.com/download/g',
      expiresAt: new Date('2026-12-09T12:00:00Z'),
      photographer: 'ann',
    });
    expect(msg.html).toContain('Beach &lt;wedding&gt;');
    expect(msg.text).toContain('12 images, 48 MB');
    expect(msg.text).toContain('Wed, 09 Dec 2026 12:00:00 GMT');
    await mailer.send(msg);
    const files = await fs.readdir(outboxDir(config));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const raw = await fs.readFile(path.join(outboxDir(config), files[0]), 'utf8');
    expect(raw).toMatch(/^From: Studio <studio@example\.com>$/m);
    expect(raw).toMatch(/^To: cleo@example\.com$/m);
    expect(raw).toContain('multipart/alternative');
    expect(raw).toContain('text/html');
  });

  it('download tokens: bound to one archive, refused once expired', () => {
    const config = parseConfig({ DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(32) });
    const t = signDownloadToken(config, 'a1', new Date(Date.now() + 60_000));
    expect(verifyDownloadToken(config, 'a1', t).getTime()).toBeGreaterThan(Date.now());
    expect(() => verifyDownloadToken(config, 'a2', t)).toThrow(
      expect.objectContaining({ code: 'LINK_INVALID' }),
    );
    expect(() => verifyDownloadToken(config, 'a1', t, Date.now() + 120_000)).toThrow(
      expect.objectContaining({ code: 'LINK_EXPIRED' }),
    );
    expect(() => verifyDownloadToken(config, 'a1', 'garbage')).toThrow(
      expect.objectContaining({ code: 'LINK_INVALID' }),
    );
  });
});
