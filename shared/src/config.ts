import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/**
 * The one place that reads process.env. Every process calls loadConfig() once at boot;
 * a bad setting stops start-up with a readable list of every problem.
 */
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));
const port = z.coerce.number().int().min(1).max(65535);
/** Names for address ranges accepted in TRUST_PROXY (as Express/proxy-addr spell them). */
export const TRUST_PROXY_NAMES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};
function isTrustProxyEntry(entry: string): boolean {
  if (entry in TRUST_PROXY_NAMES) return true;
  const [addr, bits, extra] = entry.split('/');
  const family = net.isIP(addr);
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}
const trustProxyList = z
  .string()
  .default('loopback')
  .transform((v) =>
    ['', 'none', 'false'].includes(v.trim().toLowerCase())
      ? []
      : v
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean),
  )
  .refine((list) => list.every(isTrustProxyEntry), {
    message:
      "a comma-separated list of IP addresses, CIDR ranges, 'loopback', 'linklocal', 'uniquelocal', or 'none'",
  });
const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BIND_HOST: z.string().default('127.0.0.1'),
  API_PORT: port.default(4000),
  WEB_PORT: port.default(3000),
  API_URL: optionalString,
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]*$/)
    .default('arkive:'),
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/arkive'),
  DATA_DIR: z.string().default('.arkive'),
  RUNS_ROOT: optionalString,
  SOURCE_ROOT: optionalString,
  STORAGE_ROOT: optionalString,
  S3_ENDPOINT: optionalString,
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_BUCKET: optionalString,
  S3_FORCE_PATH_STYLE: bool(true),
  JWT_SECRET: optionalString,
  JWT_EXPIRES_MINUTES: z.coerce.number().int().positive().default(1440),
  CRON_SECRET: optionalString,
  ARKIVE_ADMIN_USERNAME: z.string().min(1).default('admin'),
  ARKIVE_ADMIN_PASSWORD: optionalString,
  SMTP_URL: optionalString,
  MAIL_FROM: z.string().default('Arkive <arkive@localhost>'),
  RESEND_API_KEY: optionalString,
  HOST_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, "letters, digits, _ and - (it names the host's queues)")
    .refine((v) => !['archive', 'migration', 'run_sync'].includes(v), {
      message: 'archive, migration and run_sync are reserved (they end run channels)',
    })
    .optional(),
  HOST_HEARTBEAT_SECONDS: z.coerce.number().positive().default(15),
  HOST_OFFLINE_SECONDS: z.coerce.number().positive().default(60),
  OPERATION_HEARTBEAT_SECONDS: z.coerce.number().positive().default(10),
  OPERATION_STALE_SECONDS: z.coerce.number().positive().default(120),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().nonnegative().default(25),
  CORS_ORIGINS: optionalString,
  TRUST_PROXY: trustProxyList,
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(1),
  LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(10),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(30),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  LOGIN_SLOWDOWN_SECONDS: z.coerce.number().positive().max(3600).default(2),
  MARKER_FILE_TEMPLATE: z
    .string()
    .regex(/^[^/\\\0]*\{folder\}[^/\\\0]*$/, 'must contain {folder} and no path separators')
    .default('{folder}-ARCHIVED-TO-GLOBUS.txt'),
  MAX_COMPRESSION_RETRIES: z.coerce.number().int().min(1).default(3),
  MAX_UPLOAD_RETRIES: z.coerce.number().int().min(1).default(5),
  MAX_CONNECTION_ERROR_RETRIES: z.coerce.number().int().min(1).default(10),
  RETRY_DELAY_SECONDS: z.coerce.number().nonnegative().default(30),
  MIN_FREE_SPACE_GB: z.coerce.number().nonnegative().default(10),
  COMPRESSION_SIZE_ESTIMATE_RATIO: z.coerce.number().nonnegative().default(0.7),
  DISK_CHECK_INTERVAL_SECONDS: z.coerce.number().positive().default(60),
  FOLDER_SCAN_CACHE_SECONDS: z.coerce.number().nonnegative().default(300),
  // --- runux: archive retention (defaults of every run without its own policy) ---
  RETENTION_KEEP_LAST: z.coerce.number().int().min(0).default(0),
  RETENTION_KEEP_DAYS: z.coerce.number().int().min(0).default(0),
  RETENTION_PRE_RESTORE_DAYS: z.coerce.number().int().min(0).default(30),
  // --- backups (issue 13) ---
  BACKUP_REGIONS: z.string().default('local'),
  BACKUP_DEFAULT_REGION: optionalString,
  BACKUP_PASSWORD: optionalString,
  BACKUP_CACERT: optionalString,
  BACKUP_DAILY: bool(true),
  BACKUP_SCRUB_PERIOD_DAYS: z.coerce.number().int().positive().default(30),
  BACKUP_ZIP_TTL_HOURS: z.coerce.number().positive().default(24),
  // --- galleries (issue 15) ---
  PUBLIC_URL: optionalString,
  GALLERY_IMAGES_BUCKET: z.string().regex(bucketName).default('gallery-images'),
  GALLERY_ARCHIVES_BUCKET: z.string().regex(bucketName).default('gallery-archives'),
  GALLERY_MAX_IMAGE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(200 * 1024 * 1024),
  GALLERY_ARCHIVE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(5),
  GALLERY_LINK_DAYS: z.coerce.number().positive().max(7).default(7),
  GALLERY_DOWNLOADS_PER_MINUTE: z.coerce.number().int().positive().default(30),
  GALLERY_ARCHIVE_RETENTION_DAYS: z.coerce.number().int().nonnegative().default(730),
  // Run migrations (issue 16)
  CURRENT_VERSION: z.coerce.number().int().min(1).default(1000),
  MIGRATION_SCAN_CACHE_SECONDS: z.coerce.number().nonnegative().default(300),
  // run sync (issue 17)
  ALLOW_PUSH: optionalString,
  RUN_SYNC_EXTRA_ROOTS: optionalString,
  RUN_SYNC_TIMEOUT_SECONDS: z.coerce.number().positive().default(60),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: string;
  bindHost: string;
  apiPort: number;
  webPort: number;
  apiUrl: string;
  redisUrl: string;
  redisPrefix: string;
  databaseUrl: string;
  dataDir: string;
  runsRoot: string;
  sourceRoot: string;
  storageRoot: string;
  s3: {
    endpoint?: string;
    region: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    bucket?: string;
    forcePathStyle: boolean;
  };
  jwtSecret?: string;
  jwtExpiresMinutes: number;
  cronSecret?: string;
  adminUsername: string;
  adminPassword?: string;
  smtpUrl?: string;
  mailFrom: string;
  resendApiKey?: string;
  hostId: string;
  hostHeartbeatSeconds: number;
  /** A host whose last heartbeat is older than this is reported offline. */
  hostOfflineSeconds: number;
  heartbeatSeconds: number;
  staleSeconds: number;
  shutdownGraceSeconds: number;
  /** Origins allowed to call the API from a browser (CORS); empty = CORS off. */
  corsOrigins: string[];
  /**
   * Proxies whose X-Forwarded-For/-Host/-Proto the API believes: addresses or ranges of the hop
   * in front of it (default loopback: our web server), and how many such hops in a row (default 1).
   */
  trustProxy: string[];
  trustProxyHops: number;
  /**
   * Sign-in throttling within the window: failures per account from one client address, per
   * address over all accounts (wrong secrets of any kind), and, once an account has had
   * loginMaxFailures failures from anywhere, at most one attempt on it per loginSlowdownSeconds.
   */
  loginMaxFailures: number;
  loginMaxFailuresPerIp: number;
  loginWindowSeconds: number;
  loginSlowdownSeconds: number;
  galleries: {
    /** Absolute origin of the web UI (which proxies the API): links in e-mails start with it. */
    publicUrl: string;
    imagesBucket: string;
    archivesBucket: string;
    maxImageBytes: number;
    /** Images downloaded at once while a gallery ZIP is written. */
    archiveConcurrency: number;
    /** Lifetime of download links (signed tokens and presigned URLs), at most 7 days. */
    linkDays: number;
    /** Public download requests per client address and gallery per minute. */
    downloadsPerMinute: number;
    /**
     * An outdated archive version is deleted from the bucket this many days after it was made (and
     * never while a link handed out for it is valid); 0 keeps every version.
     */
    archiveRetentionDays: number;
  };
  runSync: {
    /** Destination base URLs (origins) a push may go to; empty = pushing is off. */
    allowPush: string[];
    /** Absolute roots besides RUNS_ROOT an import may target. */
    extraRoots: string[];
    /** How long the source may stay silent (connect, headers, between chunks) before a request is retried. */
    timeoutSeconds: number;
  };
  folders: {
    markerTemplate: string;
    maxCompressionRetries: number;
    maxUploadRetries: number;
    maxConnectionErrorRetries: number;
    retryDelaySeconds: number;
    minFreeSpaceGb: number;
    compressionSizeEstimateRatio: number;
    diskCheckIntervalSeconds: number;
    scanCacheSeconds: number;
  };
  /**
   * Archive retention defaults (a run's own policy overrides each): keep the newest `keepLast`
   * snapshots and/or those newer than `keepDays` days (0 = no such limit; both 0 = keep every
   * snapshot); pre-restore snapshots older than `preRestoreDays` days go (0 = kept for ever).
   */
  retention: { keepLast: number; keepDays: number; preRestoreDays: number };
  backup: BackupConfig;
  migration: {
    /** The version `nodb.version` is stamped with after a successful migration (CURRENT_VERSION). */
    currentVersion: number;
    /** How long GET /api/migrations/scan serves a fleet scan from cache. */
    scanCacheSeconds: number;
  };
}

/** One backup region: its name and where its restic repository lives. */
export interface BackupRegionConfig {
  region: string;
  /** restic repository: an absolute local path or `s3:<endpoint>/<bucket>[/<prefix>]` */
  location: string;
  bucket?: string;
  endpoint?: string;
  prefix?: string;
}

export interface BackupConfig {
  regions: BackupRegionConfig[];
  /** The region of this host: new runs get its repository. */
  defaultRegion: string;
  /** Repository password; unset = generated once into DATA_DIR/secrets/backup.key. */
  password?: string;
  /** CA certificate restic trusts for an S3 endpoint with a private certificate (restic --cacert). */
  caCert?: string;
  /** Daily backups of runs edited since their last backup. */
  daily: boolean;
  /** Every pack of a repository is read by the scrub within this many days. */
  scrubPeriodDays: number;
  /** Downloadable ZIPs made from a backup are deleted after this long. */
  zipTtlHours: number;
}

const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * BACKUP_REGIONS: comma-separated `name` (a local repository under DATA_DIR/buckets/restic/<name>),
 * `name=/absolute/path`, or `name=s3:<endpoint>/<bucket>[/<prefix>]`.
 */
export function parseBackupRegions(value: string, dataDir: string, problems: string[]): BackupRegionConfig[] {
  const out: BackupRegionConfig[] = [];
  for (const raw of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const eq = raw.indexOf('=');
    const region = eq < 0 ? raw : raw.slice(0, eq).trim();
    const where = eq < 0 ? '' : raw.slice(eq + 1).trim();
    if (!REGION_NAME.test(region) || out.some((r) => r.region === region)) {
      problems.push(`BACKUP_REGIONS: bad or repeated region name ${JSON.stringify(region)}`);
      continue;
    }
    if (!where || where === 'local') {
      out.push({ region, location: path.join(dataDir, 'buckets', 'restic', region) });
    } else if (where.startsWith('s3:')) {
      const m = /^s3:(https?:\/\/[^/]+)\/([^/]+)(?:\/(.*))?$/.exec(where);
      if (!m) {
        problems.push(`BACKUP_REGIONS: ${region}: expected s3:<http(s)://endpoint>/<bucket>[/<prefix>]`);
        continue;
      }
      out.push({ region, location: where, endpoint: m[1], bucket: m[2], prefix: m[3] || undefined });
    } else if (path.isAbsolute(where)) {
      out.push({ region, location: where });
    } else {
      problems.push(`BACKUP_REGIONS: ${region}: a repository is local, an absolute path or s3:...`);
    }
  }
  if (!out.length && !problems.length) problems.push('BACKUP_REGIONS: at least one region is needed');
  return out;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse an environment (default: process.env) into a typed Config; throws ConfigError listing every bad key. */
export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = i.path.join('.');
      const value = env[key];
      const shown =
        value === undefined
          ? ''
          : ` (got ${JSON.stringify(key.includes('SECRET') || key.includes('PASSWORD') ? '***' : value)})`;
      return `${key}: ${i.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const hasS3 = Boolean(e.S3_BUCKET);
  const problems: string[] = [];
  if (hasS3 && !e.S3_ENDPOINT && !e.S3_REGION) problems.push('S3_REGION: required when S3_BUCKET is set');
  if (e.JWT_SECRET && e.JWT_SECRET.length < 16) problems.push('JWT_SECRET: must be at least 16 characters');
  for (const h of (e.ALLOW_PUSH ?? '').split(',').filter((x) => x.trim()))
    if (!normalizeHostUrl(h))
      problems.push(`ALLOW_PUSH: ${JSON.stringify(h.trim())} is not an http(s) base URL`);
  for (const r of (e.RUN_SYNC_EXTRA_ROOTS ?? '').split(',').filter((x) => x.trim()))
    if (!path.isAbsolute(r.trim()))
      problems.push(`RUN_SYNC_EXTRA_ROOTS: ${JSON.stringify(r.trim())} must be an absolute path`);
  // It is a bearer secret reachable from the public origin: too short a one can be guessed.
  if (e.CRON_SECRET && e.CRON_SECRET.length < 16)
    problems.push('CRON_SECRET: must be at least 16 characters');
  const backupRegions = parseBackupRegions(e.BACKUP_REGIONS, dataDir, problems);
  const defaultRegion = e.BACKUP_DEFAULT_REGION ?? backupRegions[0]?.region ?? 'local';
  if (backupRegions.length && !backupRegions.some((r) => r.region === defaultRegion))
    problems.push(`BACKUP_DEFAULT_REGION: ${defaultRegion} is not one of BACKUP_REGIONS`);
  if (e.PUBLIC_URL && !/^https?:\/\/[^/]+/.test(e.PUBLIC_URL))
    problems.push('PUBLIC_URL: an absolute http(s) URL, e.g. https://photos.example.com');
  if (problems.length) throw new ConfigError(problems);
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    bindHost: e.BIND_HOST,
    apiPort: e.API_PORT,
    webPort: e.WEB_PORT,
    apiUrl: e.API_URL ?? `http://127.0.0.1:${e.API_PORT}`,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    runsRoot: path.resolve(e.RUNS_ROOT ?? path.join(dataDir, 'runs')),
    sourceRoot: path.resolve(e.SOURCE_ROOT ?? path.join(dataDir, 'source')),
    storageRoot: path.resolve(e.STORAGE_ROOT ?? path.join(dataDir, 'storage')),
    s3: {
      endpoint: e.S3_ENDPOINT,
      region: e.S3_REGION,
      accessKeyId: e.S3_ACCESS_KEY_ID,
      secretAccessKey: e.S3_SECRET_ACCESS_KEY,
      bucket: e.S3_BUCKET,
      forcePathStyle: e.S3_FORCE_PATH_STYLE,
    },
    jwtSecret: e.JWT_SECRET,
    jwtExpiresMinutes: e.JWT_EXPIRES_MINUTES,
    cronSecret: e.CRON_SECRET,
    adminUsername: e.ARKIVE_ADMIN_USERNAME,
    adminPassword: e.ARKIVE_ADMIN_PASSWORD,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    resendApiKey: e.RESEND_API_KEY,
    hostId: e.HOST_ID ?? 'local',
    hostHeartbeatSeconds: e.HOST_HEARTBEAT_SECONDS,
    hostOfflineSeconds: e.HOST_OFFLINE_SECONDS,
    heartbeatSeconds: e.OPERATION_HEARTBEAT_SECONDS,
    staleSeconds: e.OPERATION_STALE_SECONDS,
    shutdownGraceSeconds: e.WORKER_SHUTDOWN_GRACE_SECONDS,
    corsOrigins: (e.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim().replace(/\/$/, ''))
      .filter(Boolean),
    trustProxy: e.TRUST_PROXY,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginMaxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
    loginWindowSeconds: e.LOGIN_WINDOW_SECONDS,
    loginSlowdownSeconds: e.LOGIN_SLOWDOWN_SECONDS,
    galleries: {
      publicUrl: (e.PUBLIC_URL ?? `http://127.0.0.1:${e.WEB_PORT}`).replace(/\/+$/, ''),
      imagesBucket: e.GALLERY_IMAGES_BUCKET,
      archivesBucket: e.GALLERY_ARCHIVES_BUCKET,
      maxImageBytes: e.GALLERY_MAX_IMAGE_BYTES,
      archiveConcurrency: e.GALLERY_ARCHIVE_CONCURRENCY,
      linkDays: e.GALLERY_LINK_DAYS,
      downloadsPerMinute: e.GALLERY_DOWNLOADS_PER_MINUTE,
      archiveRetentionDays: e.GALLERY_ARCHIVE_RETENTION_DAYS,
    },
    runSync: {
      allowPush: (e.ALLOW_PUSH ?? '')
        .split(',')
        .map((h) => normalizeHostUrl(h))
        .filter((h): h is string => Boolean(h)),
      extraRoots: (e.RUN_SYNC_EXTRA_ROOTS ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean)
        .map((r) => path.resolve(r)),
      timeoutSeconds: e.RUN_SYNC_TIMEOUT_SECONDS,
    },
    folders: {
      markerTemplate: e.MARKER_FILE_TEMPLATE,
      maxCompressionRetries: e.MAX_COMPRESSION_RETRIES,
      maxUploadRetries: e.MAX_UPLOAD_RETRIES,
      maxConnectionErrorRetries: e.MAX_CONNECTION_ERROR_RETRIES,
      retryDelaySeconds: e.RETRY_DELAY_SECONDS,
      minFreeSpaceGb: e.MIN_FREE_SPACE_GB,
      compressionSizeEstimateRatio: e.COMPRESSION_SIZE_ESTIMATE_RATIO,
      diskCheckIntervalSeconds: e.DISK_CHECK_INTERVAL_SECONDS,
      scanCacheSeconds: e.FOLDER_SCAN_CACHE_SECONDS,
    },
    retention: {
      keepLast: e.RETENTION_KEEP_LAST,
      keepDays: e.RETENTION_KEEP_DAYS,
      preRestoreDays: e.RETENTION_PRE_RESTORE_DAYS,
    },
    backup: {
      regions: backupRegions,
      defaultRegion,
      password: e.BACKUP_PASSWORD,
      caCert: e.BACKUP_CACERT ? path.resolve(e.BACKUP_CACERT) : undefined,
      daily: e.BACKUP_DAILY,
      scrubPeriodDays: e.BACKUP_SCRUB_PERIOD_DAYS,
      zipTtlHours: e.BACKUP_ZIP_TTL_HOURS,
    },
    migration: {
      currentVersion: e.CURRENT_VERSION,
      scanCacheSeconds: e.MIGRATION_SCAN_CACHE_SECONDS,
    },
  };
}

/**
 * A host's base URL in one spelling (origin plus path, no trailing slash), so that ALLOW_PUSH and a
 * request's dest_host compare exactly; undefined for anything that is not an http(s) URL.
 */
export function normalizeHostUrl(raw: string): string | undefined {
  const v = raw.trim();
  if (!v) return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.username || u.password || u.search || u.hash) return undefined;
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

let cached: Config | undefined;

/** The process-wide config, parsed once. */
export function loadConfig(): Config {
  cached ??= parseConfig();
  return cached;
}

/** For tests that change the environment between files. */
export function resetConfigCache(): void {
  cached = undefined;
}
