export const LEGACY_MARKER_NAMES = ['.archived'];
export const GLOBUS_MARKER_SUFFIX = '-ARCHIVED-TO-GLOBUS.txt';

export function markerFileName(template: string, folderName: string): string {
  return template.split('{folder}').join(folderName);
}

/** True when a file name marks its folder as archived (ours, `.archived`, any `*-ARCHIVED-TO-GLOBUS.txt`). */
export function isMarkerName(name: string, template: string, folderName: string): boolean {
  return (
    LEGACY_MARKER_NAMES.includes(name) ||
    name.endsWith(GLOBUS_MARKER_SUFFIX) ||
    name === markerFileName(template, folderName)
  );
}

export interface MarkerInfo {
  archivedAt: Date;
  folderName: string;
  objectKey: string;
  bucket: string;
  sha256: string;
  size: number;
  jobId: string;
  user: string;
}

/** PRD §2.6 contents plus bucket, key, size and SHA-256. */
export function markerContents(m: MarkerInfo): string {
  const ts = m.archivedAt
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return [
    `Archived on: ${ts}`,
    `Archive name: ${m.folderName}.tar.7z`,
    `Globus path: /${m.objectKey}`,
    `Bucket: ${m.bucket}`,
    `Object key: ${m.objectKey}`,
    `Size: ${m.size} bytes`,
    `SHA-256: ${m.sha256}`,
    `Job ID: ${m.jobId}`,
    `User: ${m.user}`,
    '',
  ].join('\n');
}
