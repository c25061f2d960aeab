'use strict';
// JWKS and discovery over HTTP, as a ratio of a bare node:http server serving the very same
// bytes and headers (target ≥ 0.7, issue "Foundation").
const HEADERS_TO_COPY = ['content-type', 'cache-control', 'etag', 'access-control-allow-origin'];

exports.run = async function run(h) {
  const app = await h.startApp();
  const results = [];
  try {
    for (const p of ['/.well-known/keys', '/.well-known/openid-configuration']) {
      const res = await fetch(app.url + p);
      const body = Buffer.from(await res.arrayBuffer());
      const headers = Object.fromEntries(HEADERS_TO_COPY.filter((k) => res.headers.has(k)).map((k) => [k, res.headers.get(k)]));
      const bare = await h.startBareServer(body, headers);
      try {
        // Alternate and repeat so drift on a shared machine hits both sides alike.
        const tessera = [];
        const baseline = [];
        for (let i = 0; i < 2; i++) {
          baseline.push(await h.load(bare.url, { path: p, durationSeconds: 3 }));
          tessera.push(await h.load(app.url, { path: p, durationSeconds: 3 }));
        }
        const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
        results.push(h.result(`GET ${p}`, 'req/s', avg(tessera), avg(baseline), 0.7));
      } finally {
        await bare.close();
      }
    }
  } finally {
    await app.close();
  }
  return results;
};
