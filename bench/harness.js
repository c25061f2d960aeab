'use strict';
// Benchmark harness. Speed targets are ratios against a baseline measured in the same run on
// the same machine, never absolute numbers. Servers run in child processes so the load
// generator (autocannon, in this process) does not share an event loop with them. Everything
// binds 127.0.0.1 and is stopped when the run ends.
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..');
const children = new Set();

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, child, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`server exited before answering ${url}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not answer ${url} within ${timeoutMs} ms`);
}

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts the built Tessera (`dist/main.js`) with a fresh data folder. `env` adds environment
 * variables; `settings` is written as the YAML configuration file. `settings` may be a function
 * of the server's URL, for settings that name the server itself (a hint profile reading its own
 * discovery document).
 */
async function startApp(env = {}, settings = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
  const port = await freePort();
  const configFile = path.join(dataDir, 'tessera.yaml');
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(configFile, YAML.stringify(typeof settings === 'function' ? settings(url) : settings));
  const child = track(
    spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js')], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        PUBLIC_URL: url,
        DATA_DIR: dataDir,
        TESSERA_CONFIG: configFile,
        TESSERA_ADMIN_API_KEY: BENCH_ADMIN_KEY,
        KEYSTORE_PASSPHRASE: 'bench-keystore-passphrase',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  await waitForHttp(`${url}/.well-known/openid-configuration`, child);
  return {
    url,
    dataDir,
    /** the server's process id, e.g. to read its memory from /proc */
    pid: child.pid,
    close: async () => {
      await stop(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A bare `node:http` server answering every request with the given bytes and headers. */
async function startBareServer(body, headers = {}) {
  const port = await freePort();
  const script = `
    const http = require('node:http');
    const body = Buffer.from(process.env.BODY, 'base64');
    const headers = JSON.parse(process.env.HEADERS);
    http.createServer((req, res) => { res.writeHead(200, headers); res.end(req.method === 'HEAD' ? undefined : body); })
      .listen(Number(process.env.PORT), '127.0.0.1');
  `;
  const child = track(
    spawn(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH, PORT: String(port), BODY: Buffer.from(body).toString('base64'), HEADERS: JSON.stringify(headers) },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url, child);
  return { url, close: () => stop(child) };
}

/** Requests per second that `url + path` sustains over a short, bounded run. Non-2xx counts as failure. */
async function load(url, { method = 'GET', path: p = '/', headers = {}, body, durationSeconds = 5, connections = 20 } = {}) {
  const result = await autocannon({
    url: url + p,
    method,
    headers,
    body,
    duration: durationSeconds,
    connections,
    pipelining: 1,
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${method} ${p}: ${bad} of ${result.requests.total} requests failed (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`);
  return result.requests.average;
}

/** Operations per second of an async function, run for about `seconds` after a warm-up. */
async function opsPerSecond(fn, { seconds = 3, warmup = 200 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  let count = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < budget) {
    await fn();
    count++;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return count / elapsed;
}

async function stopAll() {
  await Promise.all([...children].map(stop));
}

const BENCH_ADMIN_KEY = 'tsk_bench_admin_key_0123456789abcdefghijklmnopqrstuvwxyz';

function result(name, unit, value, baseline, target) {
  return { name, unit, value, baseline, ratio: baseline > 0 ? value / baseline : 0, target };
}

module.exports = { ROOT, BENCH_ADMIN_KEY, startApp, startBareServer, load, opsPerSecond, stopAll, result, freePort };
