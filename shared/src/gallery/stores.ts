import path from 'node:path';
import type { Config } from '../config';
import { LocalBlobStore, S3BlobStore, type BlobStore } from '../storage';

export interface GalleryStores {
  /** Originals (and generated thumbnails): `galleries/<galleryId>/images/<imageId>`. */
  images: BlobStore;
  /** ZIPs: `galleries/<galleryId>/archives/<version>.zip`. */
  archives: BlobStore;
}

/**
 * The two gallery buckets (GALLERY_IMAGES_BUCKET, GALLERY_ARCHIVES_BUCKET): on the configured S3
 * server when S3_BUCKET is set, else folders of that name under DATA_DIR/buckets. Archive uploads
 * are not read back (their SHA-256 and size are computed while streaming and checked with a HEAD).
 */
export function galleryStores(config: Config): GalleryStores {
  const make = (bucket: string, verify: 'auto' | 'never'): BlobStore =>
    config.s3.bucket
      ? new S3BlobStore({
          bucket,
          region: config.s3.region,
          endpoint: config.s3.endpoint,
          accessKeyId: config.s3.accessKeyId,
          secretAccessKey: config.s3.secretAccessKey,
          forcePathStyle: config.s3.forcePathStyle,
          verify,
        })
      : new LocalBlobStore({ root: path.join(config.dataDir, 'buckets'), bucket });
  return {
    images: make(config.galleries.imagesBucket, 'auto'),
    archives: make(config.galleries.archivesBucket, 'never'),
  };
}

export const imageKey = (galleryId: string, imageId: string) => `galleries/${galleryId}/images/${imageId}`;
export const thumbKey = (galleryId: string, imageId: string) =>
  `galleries/${galleryId}/thumbs/${imageId}.webp`;
export const archiveKey = (galleryId: string, version: number) =>
  `galleries/${galleryId}/archives/${version}.zip`;
