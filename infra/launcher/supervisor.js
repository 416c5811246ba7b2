'use strict';
const { spawn } = require('node:child_process');
const readline = require('node:readline');

const COLORS = [36, 33, 35, 32, 34, 31, 96, 93];

/**
 * Starts child processes with prefixed, coloured output; restarts a crashed one with
 * exponential backoff (reset after a minute of uptime); stops them all on request.
 */
class Supervisor {
  constructor({ env, color = process.stdout.isTTY, log = console.log }) {
    this.env = env;
    this.color = color;
    this.log = log;
    this.procs = [];
    this.stopping = false;
  }

  add(name, command, args, opts = {}) {
    const entry = {
      name,
      command,
      args,
      opts,
      child: null,
      restarts: 0,
      startedAt: 0,
      color: COLORS[this.procs.length % COLORS.length],
    };
    this.procs.push(entry);
    this.spawn(entry);
    return entry;
  }

  prefix(entry) {
    const tag = `[${entry.name}]`.padEnd(16);
    return this.color ? `\x1b[${entry.color}m${tag}\x1b[0m` : tag;
  }

  spawn(entry) {
    entry.startedAt = Date.now();
    const child = spawn(entry.command, entry.args, {
      env: { ...this.env, ...(entry.opts.env || {}) },
      cwd: entry.opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    entry.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      readline
        .createInterface({ input: stream })
        .on('line', (line) => this.log(`${this.prefix(entry)} ${line}`));
    }
    child.on('exit', (code, signal) => {
      entry.child = null;
      if (this.stopping) return;
      if (Date.now() - entry.startedAt > 60000) entry.restarts = 0;
      const delay = Math.min(30000, 1000 * 2 ** entry.restarts);
      entry.restarts += 1;
      this.log(
        `${this.prefix(entry)} exited (${signal || `code ${code}`}); restarting in ${Math.round(delay / 1000)} s`,
      );
      entry.timer = setTimeout(() => this.spawn(entry), delay);
    });
  }

  async stopAll(graceMs = 30000) {
    this.stopping = true;
    await Promise.all(
      this.procs.map((entry) => {
        clearTimeout(entry.timer);
        const child = entry.child;
        if (!child) return undefined;
        return new Promise((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        });
      }),
    );
  }
}

module.exports = { Supervisor };
