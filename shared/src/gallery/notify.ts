import type { Config } from '../config';
import type { PrismaClient } from '../db';
import { errorMessage } from '../errors';
import { archiveEmail } from './email-template';
import { createMailer, type Mailer } from './mail';
import { holdArchiveForLink } from './retention';
import { linkExpiry, signDownloadToken } from './tokens';

/** Absolute links for an archive on PUBLIC_URL: the signed download and the gallery's download page. */
export function archiveLinks(config: Config, galleryId: string, archiveId: string, now = Date.now()) {
  const expiresAt = linkExpiry(config, now);
  const token = signDownloadToken(config, archiveId, expiresAt);
  const base = config.galleries.publicUrl;
  return {
    expiresAt,
    token,
    downloadUrl: `${base}/api/download/${archiveId}?token=${encodeURIComponent(token)}`,
    pageUrl: `${base}/download/${galleryId}?archive=${archiveId}&token=${encodeURIComponent(token)}`,
  };
}

export interface SendOutcome {
  email: string;
  status: 'sent' | 'failed';
  error?: string;
  transport: string;
}

/**
 * Sends one archive notification (a fresh signed link each time: links are re-issued without
 * recompressing) and records it; a failure is recorded, never thrown.
 */
export async function sendArchiveEmail(
  deps: { prisma: PrismaClient; config: Config; mailer?: Mailer },
  archiveId: string,
  to: { email: string; name?: string | null },
): Promise<SendOutcome> {
  const { prisma, config } = deps;
  const archive = await prisma.galleryArchive.findUniqueOrThrow({
    where: { id: archiveId },
    include: { gallery: { include: { owner: { select: { username: true } } } } },
  });
  const mailer = deps.mailer ?? createMailer(config);
  const links = archiveLinks(config, archive.galleryId, archive.id);
  await holdArchiveForLink(prisma, archive.id, links.expiresAt);
  let outcome: SendOutcome;
  try {
    await mailer.send(
      archiveEmail({
        to: to.email,
        clientName: to.name,
        galleryTitle: archive.gallery.title,
        imageCount: archive.imageCount,
        sizeBytes: Number(archive.fileSizeBytes ?? 0),
        downloadUrl: links.downloadUrl,
        pageUrl: links.pageUrl,
        expiresAt: links.expiresAt,
        photographer: archive.gallery.owner.username,
      }),
    );
    outcome = { email: to.email, status: 'sent', transport: mailer.transport };
  } catch (err) {
    outcome = {
      email: to.email,
      status: 'failed',
      error: errorMessage(err).slice(0, 1000),
      transport: mailer.transport,
    };
  }
  await prisma.galleryArchiveEmail.create({
    data: {
      archiveId,
      email: to.email,
      status: outcome.status,
      error: outcome.error,
      transport: outcome.transport,
    },
  });
  if (outcome.status === 'sent')
    await prisma.galleryArchive.update({
      where: { id: archiveId },
      data: { emailSent: true, emailSentAt: new Date(), emailRecipient: to.email },
    });
  return outcome;
}

/**
 * Every client of the gallery with notify_on_archive who has not been sent this archive yet (a
 * retry of the stage does not mail anyone twice). Failures are recorded per client and returned.
 */
export async function notifyArchiveClients(
  deps: { prisma: PrismaClient; config: Config; mailer?: Mailer },
  archiveId: string,
  onSent?: (o: SendOutcome) => void,
): Promise<SendOutcome[]> {
  const archive = await deps.prisma.galleryArchive.findUniqueOrThrow({ where: { id: archiveId } });
  const clients = await deps.prisma.galleryClient.findMany({
    where: { galleryId: archive.galleryId, notifyOnArchive: true },
    orderBy: { createdAt: 'asc' },
  });
  const sent = new Set(
    (
      await deps.prisma.galleryArchiveEmail.findMany({
        where: { archiveId, status: 'sent' },
        select: { email: true },
      })
    ).map((r) => r.email.toLowerCase()),
  );
  const mailer = deps.mailer ?? createMailer(deps.config);
  const out: SendOutcome[] = [];
  for (const c of clients) {
    if (sent.has(c.email.toLowerCase())) continue;
    const o = await sendArchiveEmail({ ...deps, mailer }, archiveId, c);
    out.push(o);
    onSent?.(o);
  }
  return out;
}
