/** node archiver peer for the benchmark: zip a directory at zlib level 1 (excluding archives/). */
const fs = require('node:fs');
const { ZipArchive } = require('archiver');

const [dir, out] = process.argv.slice(2);
const zip = new ZipArchive({ zlib: { level: 1 } });
const output = fs.createWriteStream(out);
output.on('close', () =>
  process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }) + '\n'),
);
zip.on('error', (e) => {
  console.error(e);
  process.exit(1);
});
zip.pipe(output);
zip.glob('**/*', { cwd: dir, ignore: ['archives/**'], dot: true });
zip.finalize();
