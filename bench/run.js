'use strict';
// `npm run bench`: runs every bench/*.bench.js against the built service and prints each
// result as a ratio of its same-run baseline, with the target. Writes bench/results/latest.json.
const { mkdirSync, readdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const harness = require('./harness');

async function main() {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  const all = [];
  let failed = false;
  for (const file of files) {
    process.stdout.write(`\n# ${file}\n`);
    try {
      const results = await require(path.join(__dirname, file)).run(harness);
      for (const r of results) {
        all.push({ file, ...r });
        const verdict = r.target === undefined ? '' : r.ratio >= r.target ? 'meets target' : 'BELOW TARGET';
        const value = typeof r.value === 'number' ? r.value.toFixed(1) : r.value;
        const baseline = typeof r.baseline === 'number' ? r.baseline.toFixed(1) : r.baseline;
        process.stdout.write(
          `${r.name}: ${value} ${r.unit}` +
            (r.baseline !== undefined ? ` vs baseline ${baseline} → ratio ${r.ratio.toFixed(2)}` : '') +
            (r.target !== undefined ? ` (target ≥ ${r.target}: ${verdict})` : '') +
            '\n',
        );
      }
    } catch (e) {
      failed = true;
      process.stdout.write(`${file} failed: ${e && e.stack ? e.stack : e}\n`);
    } finally {
      await harness.stopAll();
    }
  }
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'latest.json'), JSON.stringify({ at: new Date().toISOString(), results: all }, null, 2));
  process.exitCode = failed ? 1 : 0;
}

main().catch(async (e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  await harness.stopAll();
  process.exit(1);
});
