import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { AppError, archiveLinks, linkExpiry, type GalleryArchive } from '@arkive/shared';
import type { AppDeps } from '../../deps';
import { storesOf } from './common';

/** An archive whose ZIP exists in the bucket (the current one, or an outdated older version). */
export function assertDownloadable(a: GalleryArchive): void {
  if (a.status === 'expired')
    throw new AppError(
      'ARCHIVE_EXPIRED',
      `Archive version ${a.version} was deleted by the retention policy (a newer version replaced it); download the current one`,
      410,
    );
  if (a.status !== 'completed' && a.status !== 'outdated')
    throw new AppError(
      'ARCHIVE_NOT_READY',
      `Archive version ${a.version} is ${a.status}, not ready to download`,
      409,
    );
}

/**
 * Where to send a browser for the ZIP: a presigned bucket URL valid GALLERY_LINK_DAYS (7 days at
 * most), or, on the local-filesystem bucket (no presigning), our own signed download link.
 */
export async function archiveRedirectUrl(deps: AppDeps, a: GalleryArchive): Promise<string> {
  const expiresIn = Math.floor((linkExpiry(deps.config).getTime() - Date.now()) / 1000);
  try {
    return await storesOf(deps).archives.presign(a.storagePath, { expiresInSeconds: expiresIn });
  } catch (err) {
    if ((err as AppError).code !== 'PRESIGN_UNSUPPORTED') throw err;
    return archiveLinks(deps.config, a.galleryId, a.id).downloadUrl;
  }
}

/** Streams the ZIP itself (local-filesystem bucket). */
export async function streamArchive(
  deps: AppDeps,
  a: GalleryArchive,
  title: string,
  res: Response,
): Promise<void> {
  const body = await storesOf(deps).archives.get(a.storagePath);
  const file = `${title.replace(/[^A-Za-z0-9._ -]+/g, '_').slice(0, 80) || 'gallery'} v${a.version}.zip`;
  res.status(200);
  res.setHeader('Content-Type', 'application/zip');
  if (a.fileSizeBytes !== null) res.setHeader('Content-Length', String(a.fileSizeBytes));
  res.setHeader('Content-Disposition', `attachment; filename="${file}"`);
  res.setHeader('Cache-Control', 'private, no-store');
  try {
    await pipeline(body, res);
  } catch (err) {
    deps.logger.warn({ err, archive: a.id }, 'gallery archive download interrupted');
    res.destroy();
  }
}
