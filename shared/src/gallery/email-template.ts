import type { MailMessage } from './mail';

export interface ArchiveEmailInput {
  to: string;
  clientName?: string | null;
  galleryTitle: string;
  imageCount: number;
  sizeBytes: number;
  downloadUrl: string;
  pageUrl: string;
  expiresAt: Date;
  photographer: string;
}

function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The client's message: gallery title, image count, size, download button, expiry, photographer. */
export function archiveEmail(i: ArchiveEmailInput): MailMessage {
  const expiry = i.expiresAt.toUTCString();
  const size = formatBytes(i.sizeBytes);
  const images = `${i.imageCount} image${i.imageCount === 1 ? '' : 's'}`;
  const hello = i.clientName ? `Hello ${i.clientName},` : 'Hello,';
  const subject = `Your photos from "${i.galleryTitle}" are ready to download`;
  const text = [
    hello,
    '',
    `${i.photographer} has prepared a download of the gallery "${i.galleryTitle}": ${images}, ${size} (ZIP).`,
    '',
    `Download all: ${i.downloadUrl}`,
    '',
    `This link works until ${expiry}. After that, open ${i.pageUrl} or ask ${i.photographer} for a new link.`,
    '',
    `— ${i.photographer}`,
  ].join('\n');
  const html = `<!doctype html>
<html><body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#1f2937;background:#f9fafb;padding:24px">
<div style="max-width:520px;margin:auto;background:#fff;border-radius:8px;padding:24px;border:1px solid #e5e7eb">
<p>${esc(hello)}</p>
<p><strong>${esc(i.photographer)}</strong> has prepared a download of the gallery <strong>${esc(i.galleryTitle)}</strong>.</p>
<p style="color:#4b5563">${esc(images)} &middot; ${esc(size)} (ZIP)</p>
<p style="margin:28px 0"><a href="${esc(i.downloadUrl)}" style="background:#2563eb;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600">Download all photos</a></p>
<p style="color:#6b7280;font-size:13px">This link works until ${esc(expiry)}. After that, open <a href="${esc(i.pageUrl)}">the gallery's download page</a> or ask ${esc(i.photographer)} for a new link.</p>
<p style="color:#6b7280;font-size:13px">— ${esc(i.photographer)}</p>
</div></body></html>`;
  return { to: i.to, subject, html, text };
}
