import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { z } from 'zod';
import {
  AppError,
  ConflictError,
  SNIFF_BYTES,
  imageKey,
  isUniqueViolation,
  sniffFormat,
} from '@arkive/shared';
import type { AppDeps } from '../../deps';
import { defineRoute } from '../../http/route';
import { galleryParams, requireOwnGallery, storesOf } from './common';

const MAX_FILES = 200;

interface Stored {
  id: string;
  name: string;
  size: number;
  sha256: string;
  contentType: string;
  storageKey: string;
}

/** A file name as uploaded, reduced to a plain name (no folders, no control characters). */
export function cleanName(raw: string | undefined): string {
  const base = path.posix.basename((raw ?? '').replace(/\\/g, '/'));
  const clean = base
    // eslint-disable-next-line no-control-regex -- control characters are what is removed
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 200);
  return clean || 'image';
}

function uniqueName(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf('.');
  const [base, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  let n = name;
  for (let i = 2; taken.has(n.toLowerCase()); i++) n = `${base} (${i})${ext}`;
  taken.add(n.toLowerCase());
  return n;
}

/**
 * The file's bytes as they arrive, checked on the way: the first bytes must be an image format we
 * accept (by content, not by name), and the whole no larger than the limit.
 */
async function* checkedImage(
  file: Readable,
  name: string,
  limit: number,
  onType: (mime: string) => void,
): AsyncGenerator<Buffer> {
  let head: Buffer = Buffer.alloc(0);
  let checked = false;
  let size = 0;
  const check = () => {
    const t = sniffFormat(head);
    if (!t?.image)
      throw new AppError(
        'UNSUPPORTED_IMAGE_TYPE',
        `${name} is not an image we accept (JPEG, PNG, GIF, WebP, HEIC, AVIF, TIFF, BMP); its content was checked, not its name`,
        415,
      );
    onType(t.mime);
    checked = true;
  };
  for await (const c of file) {
    const chunk = c as Buffer;
    size += chunk.length;
    if (size > limit)
      throw new AppError('IMAGE_TOO_LARGE', `${name} is larger than the limit of ${limit} bytes`, 413);
    if (checked) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length < SNIFF_BYTES) continue;
    check();
    yield head;
  }
  if (!checked) {
    check();
    if (head.length) yield head;
  }
}

/** Streams every file of the multipart body straight into the images bucket, one after another. */
function receive(
  req: Request,
  deps: AppDeps,
  galleryId: string,
  taken: Set<string>,
  stored: Stored[],
): Promise<Stored[]> {
  const stores = storesOf(deps);
  const limit = deps.config.galleries.maxImageBytes;
  return new Promise<Stored[]>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { files: MAX_FILES, fileSize: limit + 1, fields: 20, parts: MAX_FILES + 20 },
      });
    } catch (err) {
      reject(
        new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `A multipart/form-data body is required: ${(err as Error).message}`,
          415,
        ),
      );
      return;
    }
    let chain: Promise<void> = Promise.resolve();
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      reject(err);
    };
    bb.on('file', (field, file, info) => {
      if (field !== 'files' || failed) {
        file.resume();
        if (field !== 'files')
          fail(new AppError('UNEXPECTED_FIELD', `Send the images in the field "files", not "${field}"`, 400));
        return;
      }
      const name = uniqueName(cleanName(info.filename), taken);
      const id = randomUUID();
      const key = imageKey(galleryId, id);
      let mime = 'application/octet-stream';
      const body = Readable.from(checkedImage(file, name, limit, (m) => (mime = m)));
      const work = stores.images.put(key, body, { contentType: info.mimeType });
      chain = chain.then(async () => {
        try {
          const r = await work;
          stored.push({ id, name, size: r.size, sha256: r.sha256, contentType: mime, storageKey: key });
        } catch (err) {
          file.resume();
          fail(err);
        }
      });
    });
    bb.on('filesLimit', () =>
      fail(new AppError('TOO_MANY_FILES', `At most ${MAX_FILES} files per request`, 413)),
    );
    bb.on('error', (err) =>
      fail(new AppError('BAD_MULTIPART', `Unreadable multipart body: ${(err as Error).message}`, 400)),
    );
    bb.on('close', () => {
      void chain.then(() => (failed ? undefined : resolve(stored)));
    });
    req.pipe(bb);
  });
}

const imageSchema = z.object({ id: z.string(), name: z.string(), size: z.number(), sha256: z.string() });

export const uploadGalleryImages = defineRoute({
  method: 'post',
  path: '/api/galleries/:id/images',
  summary:
    'Upload images (multipart/form-data, field `files`, several per request), streamed to the images bucket; type checked by content; GALLERY_MAX_IMAGE_BYTES each',
  tags: ['galleries'],
  access: { kind: 'user' },
  params: galleryParams,
  bodyTypes: ['multipart/form-data'],
  response: z.object({ images: z.array(imageSchema) }),
  status: 201,
  async handler({ deps, params, user, req }) {
    const g = await requireOwnGallery(deps, user, params.id);
    const existing = await deps.prisma.galleryImage.findMany({
      where: { galleryId: g.id },
      select: { name: true },
    });
    const taken = new Set(existing.map((e) => e.name.toLowerCase()));
    const stored: Stored[] = [];
    try {
      await receive(req, deps, g.id, taken, stored);
      if (stored.length === 0)
        throw new AppError(
          'NO_FILES',
          'No files: send one or more images in the multipart field "files"',
          400,
        );
      await deps.prisma.galleryImage.createMany({
        data: stored.map((s) => ({
          id: s.id,
          galleryId: g.id,
          name: s.name,
          size: BigInt(s.size),
          sha256: s.sha256,
          contentType: s.contentType,
          storageKey: s.storageKey,
        })),
      });
    } catch (err) {
      // All or nothing: the objects of this request go again.
      const stores = storesOf(deps);
      await Promise.all(stored.map((s) => stores.images.delete(s.storageKey).catch(() => undefined)));
      if (isUniqueViolation(err))
        throw new ConflictError(
          'IMAGE_NAME_TAKEN',
          'Another upload added an image of the same name; try again',
        );
      throw err;
    }
    return { images: stored.map((s) => ({ id: s.id, name: s.name, size: s.size, sha256: s.sha256 })) };
  },
});
