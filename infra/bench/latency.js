/**
 * Live-update latency suite: `npm run bench -- latency [--clients 100] [--events 500] [--interval-ms 5]`.
 * The web server's relay and the clients are TypeScript; tsx loads them in this process.
 */
exports.main = async function main(args) {
  require('tsx/cjs/api').register();
  await require('./latency-run.ts').run(args);
};
