import path from 'node:path';
import type { Config } from '../config';
import type { BlobStore } from './blob-store';
import { LocalBlobStore } from './local-store';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-store';

export * from './blob-store';
export { LocalBlobStore, type LocalBlobStoreOptions } from './local-store';
export { S3BlobStore, MIN_PART_SIZE, mapS3Error, type S3BlobStoreOptions } from './s3-store';

export type BlobStoreTuning = Pick<S3BlobStoreOptions, 'partSize' | 'queueSize' | 'verify' | 'maxAttempts'>;

/** The configured bucket: S3 when `S3_BUCKET` is set, else `DATA_DIR/buckets/<bucket>` on local disk. */
export function createBlobStore(
  config: Config,
  tuning: BlobStoreTuning & { localBucket?: string } = {},
): BlobStore {
  const { localBucket, ...s3Tuning } = tuning;
  if (config.s3.bucket) {
    return new S3BlobStore({
      bucket: config.s3.bucket,
      region: config.s3.region,
      endpoint: config.s3.endpoint,
      accessKeyId: config.s3.accessKeyId,
      secretAccessKey: config.s3.secretAccessKey,
      forcePathStyle: config.s3.forcePathStyle,
      ...s3Tuning,
    });
  }
  return new LocalBlobStore({ root: path.join(config.dataDir, 'buckets'), bucket: localBucket });
}
