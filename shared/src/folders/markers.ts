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
    // The PRD names the object .tar.7z, but it is a plain 7z archive of the folder (no tar inside).
    `Format: a plain 7z archive of the folder, despite the .tar.7z name (there is no tar inside).`,
    `Open it by hand: 7z x ${m.folderName}.tar.7z   (test it first with: 7z t ${m.folderName}.tar.7z)`,
    `Or restore it in Arkive: Folders → Restore from cold storage.`,
    '',
  ].join('\n');
}
