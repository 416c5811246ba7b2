import zlib from 'node:zlib';

/** How one file's data is encoded: stored, or deflated with these zlib settings. */
export interface Encoding {
  store: boolean;
  /** zlib memLevel: it sets the deflate block size (2^(memLevel+6) symbols per block) */
  memLevel: number;
  /** zlib windowBits */
  windowBits: number;
}

/**
 * Choose how to encode a file from a sample of its first bytes.
 *
 * - Store when deflate saves less than `storeRatio` on the sample (already-compressed data is
 *   detected by content, not guessed from the name).
 * - Otherwise pick zlib's block size. zlib ends a deflate block after a fixed number of symbols
 *   (16 Ki at zlib's default memLevel 8; 64 Ki at our normal 9, a little faster on text) and has
 *   no adaptive block splitting. Data whose statistics drift within a few KiB (sensor samples,
 *   Int16/Int32 arrays, audio-like binaries) then gets Huffman tables fitted to an average that
 *   matches no part of the block: on such data zlib reaches 0.73 where Info-ZIP and 7-Zip reach
 *   0.59–0.61. Blocks of 2 Ki symbols (memLevel 5) bring zlib to 0.64, at ~65 % of its speed.
 *   They are chosen only when they save at least 4 % on the sample; on text, source, logs, JSON
 *   and executables they lose 3–20 % and are not chosen (encoding.test.ts checks that the choice
 *   made on 32 KiB is the better one for the whole file).
 *
 * The function is self-contained (zlib is passed in, constants are local) because its source is
 * also evaluated inside the deflate worker threads (see deflate-pool.ts).
 */
export function chooseEncoding(
  z: typeof zlib,
  sample: Uint8Array,
  level: number,
  storeRatio: number,
): Encoding {
  // Plain objects and no syntax a compiler could turn into helper calls: see the note above.
  const NORMAL_MEM_LEVEL = 9;
  const NORMAL_WINDOW_BITS = 15;
  // Small blocks: 2 Ki symbols. A 4 KiB window keeps zlib's tables in the L1/L2 cache, so small
  // blocks cost ~25 % of speed instead of ~45 %; data whose statistics drift within KiBs gains
  // little from far matches, and the sample comparison below sees it when it does.
  const SMALL_MEM_LEVEL = 5;
  const SMALL_WINDOW_BITS = 12;
  /** small blocks must save at least 4 % of the sample's deflated size */
  const SMALL_BLOCKS_PAY = 0.96;
  /** below this a sample says too little about block statistics */
  const MIN_PROBE = 16384;
  const normal: Encoding = { store: false, memLevel: NORMAL_MEM_LEVEL, windowBits: NORMAL_WINDOW_BITS };
  if (sample.length === 0) return normal;
  const normalSize = z.deflateRawSync(sample, {
    level,
    memLevel: NORMAL_MEM_LEVEL,
    windowBits: NORMAL_WINDOW_BITS,
  }).length;
  if (normalSize >= sample.length * storeRatio) {
    return { store: true, memLevel: NORMAL_MEM_LEVEL, windowBits: NORMAL_WINDOW_BITS };
  }
  if (sample.length < MIN_PROBE) return normal;
  const smallSize = z.deflateRawSync(sample, {
    level,
    memLevel: SMALL_MEM_LEVEL,
    windowBits: SMALL_WINDOW_BITS,
  }).length;
  if (smallSize > normalSize * SMALL_BLOCKS_PAY) return normal;
  return { store: false, memLevel: SMALL_MEM_LEVEL, windowBits: SMALL_WINDOW_BITS };
}

/** zlib settings for data that is not sampled (small files) or not drifting: chooseEncoding's normal. */
export const NORMAL_DEFLATE: Readonly<{ memLevel: number; windowBits: number }> = (() => {
  const { memLevel, windowBits } = chooseEncoding(zlib, new Uint8Array(0), 1, 1); // no sample: normal, no deflate run
  return Object.freeze({ memLevel, windowBits });
})();
