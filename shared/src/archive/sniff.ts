/**
 * What a file is, from its first bytes (content, not its name): the image formats a gallery
 * accepts, and whether a format is already compressed (a ZIP stores it instead of deflating it).
 */
export interface SniffedType {
  type: string;
  mime: string;
  /** already compressed: deflating it again saves nothing */
  compressed: boolean;
  image: boolean;
}

/** Bytes a caller should read before calling sniffFormat (it looks at no more). */
export const SNIFF_BYTES = 32;

const at = (buf: Buffer, offset: number, bytes: number[]) =>
  buf.length >= offset + bytes.length && bytes.every((b, i) => buf[offset + i] === b);
const ascii = (buf: Buffer, offset: number, text: string) =>
  at(
    buf,
    offset,
    [...text].map((c) => c.charCodeAt(0)),
  );

export function sniffFormat(head: Buffer): SniffedType | null {
  if (at(head, 0, [0xff, 0xd8, 0xff]))
    return { type: 'jpeg', mime: 'image/jpeg', compressed: true, image: true };
  if (at(head, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { type: 'png', mime: 'image/png', compressed: true, image: true };
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a'))
    return { type: 'gif', mime: 'image/gif', compressed: true, image: true };
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP'))
    return { type: 'webp', mime: 'image/webp', compressed: true, image: true };
  if (ascii(head, 4, 'ftyp')) {
    const brand = head.subarray(8, 12).toString('latin1');
    if (['avif', 'avis'].includes(brand))
      return { type: 'avif', mime: 'image/avif', compressed: true, image: true };
    if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'].includes(brand))
      return { type: 'heic', mime: 'image/heic', compressed: true, image: true };
    return { type: 'mp4', mime: 'video/mp4', compressed: true, image: false };
  }
  // TIFF (and camera raw files built on it) is often uncompressed: deflate it.
  if (at(head, 0, [0x49, 0x49, 0x2a, 0x00]) || at(head, 0, [0x4d, 0x4d, 0x00, 0x2a]))
    return { type: 'tiff', mime: 'image/tiff', compressed: false, image: true };
  if (ascii(head, 0, 'BM') && head.length >= 26)
    return { type: 'bmp', mime: 'image/bmp', compressed: false, image: true };
  if (at(head, 0, [0x50, 0x4b, 0x03, 0x04]))
    return { type: 'zip', mime: 'application/zip', compressed: true, image: false };
  if (at(head, 0, [0x1f, 0x8b]))
    return { type: 'gzip', mime: 'application/gzip', compressed: true, image: false };
  if (at(head, 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))
    return { type: '7z', mime: 'application/x-7z-compressed', compressed: true, image: false };
  return null;
}
