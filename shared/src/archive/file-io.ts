import type fs from 'node:fs/promises';

/** Write all of `buf` (a write may take only part); at `position` if given, else at the file's offset. */
export async function writeFully(fh: fs.FileHandle, buf: Uint8Array, position?: number): Promise<void> {
  for (let done = 0; done < buf.length;) {
    const at = position === undefined ? null : position + done;
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, at);
    done += bytesWritten;
  }
}

/** Read up to `buf.length` bytes from `position` into `buf`; fewer only at the end of the file. */
export async function readFully(fh: fs.FileHandle, buf: Uint8Array, position: number): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}
