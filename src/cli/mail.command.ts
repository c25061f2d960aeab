import type { Command } from 'commander';
import { OutboxService } from '../mail/outbox.service';
import { OutboxWorker, type DrainReport } from '../mail/outbox.worker';
import { withContext } from './cli-context';

export interface MailCommandIo {
  out(text: string): void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const processIo: MailCommandIo = { out: (text) => process.stdout.write(`${text}\n`) };

/**
 * `mail status|drain`. The server sends queued mail by itself; one-shot commands do not start
 * its worker, so `drain` is how to send from the command line (e.g. on an instance that runs
 * with `mail.workerEnabled: false`, or right after a bulk import). Leases make it safe to run
 * beside running servers.
 */
export function registerMailCommands(program: Command, io: MailCommandIo = processIo): void {
  const mail = program.command('mail').description('the outgoing mail queue (outbox)');
  const context = { env: io.env, cwd: io.cwd };

  mail
    .command('status')
    .description('count queued messages by state')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const counts = await withContext((ctx) => ctx.get(OutboxService).counts(), context);
      if (options.json) return io.out(JSON.stringify(counts, null, 2));
      io.out(`pending: ${counts.pending} (${counts.due} due now)`);
      io.out(`sent:    ${counts.sent}`);
      io.out(`failed:  ${counts.failed}`);
    });

  mail
    .command('drain')
    .description('send every message that is due now, then stop (failures are rescheduled as usual)')
    .option('--max-rounds <n>', 'stop after this many batches', (v) => Number.parseInt(v, 10), 1000)
    .option('--json', 'print JSON')
    .action(async (options: { maxRounds: number; json?: boolean }) => {
      const total = await withContext(async (ctx) => {
        const worker = ctx.get(OutboxWorker);
        const sum: DrainReport = { claimed: 0, sent: 0, retrying: 0, failed: 0, released: 0, lost: 0, unrecorded: 0 };
        for (let round = 0; round < options.maxRounds; round++) {
          const report = await worker.drainOnce();
          for (const key of Object.keys(sum) as (keyof DrainReport)[]) sum[key] += report[key];
          // A round that finished nothing (all released or unrecorded) would only repeat itself.
          if (report.claimed === 0 || report.sent + report.retrying + report.failed === 0) break;
        }
        return sum;
      }, context);
      if (options.json) return io.out(JSON.stringify(total, null, 2));
      io.out(`sent ${total.sent}, rescheduled ${total.retrying}, failed ${total.failed}`);
      if (total.released + total.lost + total.unrecorded > 0) {
        io.out(`not finished: ${total.released + total.lost + total.unrecorded} (see the log); they are retried once their claim runs out`);
      }
    });
}
