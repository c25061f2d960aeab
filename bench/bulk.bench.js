'use strict';
// Peak memory of the server while it imports 10,000 CSV rows over POST /api/invitations/bulk
// (issue "Bulk": the import must not hold all rows at once), as a ratio of the same process's
// resident memory when idle, measured in the same run. The peak is the kernel's high-water mark
// (VmHWM in /proc/<pid>/status), reset just before the import through /proc/<pid>/clear_refs so
// that start-up does not count; where the reset is refused, RSS sampled every 20 ms during the
// import stands in. Lower is better; no target is asserted. The import rate is reported beside
// it, informational. BENCH_BULK_ROWS changes the row count; BENCH_BULK_QUERY appends to the
// query (e.g. "&send=false" to leave mail out).
const { readFileSync, writeFileSync } = require('node:fs');

const ROWS = Number(process.env.BENCH_BULK_ROWS ?? 10_000);
const RELYING_PARTIES = [
  {
    id: 'bench-landing',
    displayName: 'Bench Landing',
    audience: 'bench-audience',
    signUpUrl: 'https://signup.example.com/join',
    claims: [{ name: 'role', type: 'string' }],
  },
];

/** kB values of the named fields of /proc/<pid>/status. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0: "5" > clear_refs). False when not permitted. */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function csv(run, rows) {
  const lines = ['email,name,claim.role'];
  for (let i = 0; i < rows; i++) lines.push(`bulk-${run}-${i}@example.com,Invitee ${i},member`);
  return lines.join('\n');
}

async function importCsv(app, key, body) {
  const res = await fetch(`${app.url}/api/invitations/bulk?relyingParty=bench-landing${process.env.BENCH_BULK_QUERY ?? ""}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /api/invitations/bulk: ${res.status} ${text.slice(0, 300)}`);
  const summary = JSON.parse(text).summary;
  if (summary.created !== summary.total) throw new Error(`not every row was created: ${JSON.stringify(summary)}`);
  return summary.total;
}

exports.run = async function run(h) {
  const app = await h.startApp(
    {},
    {
      relyingParties: RELYING_PARTIES,
      // Emails are queued (rendered and stored) but not delivered: the run measures the import.
      mail: { workerEnabled: false, from: 'Bench <invitations@bench.example.com>' },
      rateLimits: { enabled: false },
    },
  );
  try {
    // Warm-up: load every code path the import uses before measuring "idle".
    await importCsv(app, h.BENCH_ADMIN_KEY, csv('warm', 50));
    const idle = memory(app.pid).rss;

    const body = csv('measured', ROWS);
    const reset = resetPeak(app.pid);
    let sampled = memory(app.pid).rss;
    const sampler = setInterval(() => {
      sampled = Math.max(sampled, memory(app.pid).rss);
    }, 20);
    const started = process.hrtime.bigint();
    let rows;
    try {
      rows = await importCsv(app, h.BENCH_ADMIN_KEY, body);
    } finally {
      clearInterval(sampler);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const peak = reset ? memory(app.pid).hwm : sampled;
    const mib = (kb) => kb / 1024;
    return [
      h.result(`peak RSS importing ${rows} CSV rows (${reset ? 'VmHWM' : 'sampled RSS'}) vs the idle server`, 'MiB', mib(peak), mib(idle)),
      h.result(`POST /api/invitations/bulk, ${rows} rows, mail queued (informational)`, 'rows/s', rows / seconds),
    ];
  } finally {
    await app.close();
  }
};
