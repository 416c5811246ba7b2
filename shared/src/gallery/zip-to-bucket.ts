import { createZipStream, type StreamEntry, type StreamZipProgress } from '../archive/stream-zip';
import { TransientError } from '../errors';
import type { BlobStore } from '../storage';

export interface GalleryZipImage {
  /** Entry name in the ZIP (unique, safe). */
  name: string;
  size: number;
  mtimeMs: number;
  /** Key of the original in the images bucket. */
  storageKey: string;
}

export interface UploadGalleryZipOptions {
  images: BlobStore;
  archives: BlobStore;
  /** Key of the ZIP in the archives bucket. */
  key: string;
  entries: GalleryZipImage[];
  /** Downloads in flight (GALLERY_ARCHIVE_CONCURRENCY). */
  concurrency: number;
  label?: string;
  signal?: AbortSignal;
  onProgress?(p: StreamZipProgress): void;
}

/**
 * The gallery-archive worker's data path, shared with the gallery benchmark so that both run the
 * same code: every image streams from the images bucket (`concurrency` downloads in flight)
 * through the ZIP writer into a multipart upload; size and SHA-256 are computed while streaming
 * and must agree with what the upload counted.
 */
export async function uploadGalleryZip(
  o: UploadGalleryZipOptions,
): Promise<{ size: number; sha256: string }> {
  const bytesTotal = o.entries.reduce((n, i) => n + i.size, 0);
  const entries: StreamEntry[] = o.entries.map((img) => ({
    name: img.name,
    size: img.size,
    mtimeMs: img.mtimeMs,
    open: (signal) => o.images.get(img.storageKey, { signal }),
  }));
  const { stream, done } = createZipStream({
    entries,
    entriesTotal: entries.length,
    bytesTotal,
    kind: 'gallery',
    label: o.label,
    concurrency: o.concurrency,
    signal: o.signal,
    onProgress: o.onProgress,
  });
  let put;
  try {
    put = await o.archives.put(o.key, stream, { contentType: 'application/zip', signal: o.signal });
  } finally {
    stream.destroy();
  }
  const zip = await done;
  if (put.size !== zip.size || put.sha256 !== zip.sha256)
    throw new TransientError('The uploaded archive differs from what was written', 'ARCHIVE_VERIFY_FAILED');
  return { size: zip.size, sha256: zip.sha256 };
}

/** The HEAD check after the upload: the stored object has the size (and SHA-256, when known) written. */
export async function checkStoredGalleryZip(
  archives: BlobStore,
  key: string,
  expected: { size: number; sha256: string },
): Promise<void> {
  const head = await archives.head(key);
  if (!head || head.size !== expected.size || (head.sha256 && head.sha256 !== expected.sha256))
    throw new TransientError(
      `The stored archive is ${head ? `${head.size} bytes` : 'missing'}; expected ${expected.size} bytes with SHA-256 ${expected.sha256}`,
      'ARCHIVE_VERIFY_FAILED',
    );
}
