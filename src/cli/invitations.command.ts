import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { extname, resolve } from 'node:path';
import { InvalidRequestError } from '../common/errors';
import { BulkImportService, type BulkImportResult } from '../invitations/bulk/bulk-import.service';
import type { ImportFormat } from '../invitations/bulk/import-rows';
import type { InvitationStatus } from '../invitations/invitation-status';
import type { InvitationView } from '../invitations/invitation.view';
import { InvitationsService } from '../invitations/invitations.service';
import { withContext } from './cli-context';

export interface InvitationCommandIo {
  /** One line of output (stdout). */
  out(text: string): void;
  /** Where the progress bar is drawn (stderr); it draws only on a terminal. */
  progress: NodeJS.WritableStream;
  exit(code: number): void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Who acts, as recorded on each invitation; default `cli:<OS user>`. */
  actor?: string;
}

const processIo: InvitationCommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  progress: process.stderr,
  exit: (code) => {
    process.exitCode = code;
  },
};

/**
 * `invitations import|list|revoke|resend`: the admin API's invitation operations, run against
 * the same database and key store as the server. Mail is queued, not sent: the server's worker
 * delivers it (or `tessera mail drain`).
 */
export function registerInvitationCommands(program: Command, io: InvitationCommandIo = processIo): void {
  const invitations = program.command('invitations').description('invite people, in bulk or one by one; list, revoke, resend');
  const context = { env: io.env, cwd: io.cwd };
  const actor = () => io.actor ?? `cli:${userInfo().username}`;

  invitations
    .command('import')
    .description('import invitations from a CSV file (header row first) or a JSON array, as POST /api/invitations/bulk does')
    .argument('<file>', 'a .csv or .json file')
    .option('--relying-party <id>', 'relying party of rows that name none')
    .option('--dry-run', 'check every row (against the database too); write and send nothing')
    .option('--no-send', 'create the invitations without queuing their emails')
    .option('--format <format>', 'csv or json (default: from the file extension)')
    .option('--json', 'print the summary and then every row as JSON lines')
    .action(async (file: string, options: { relyingParty?: string; dryRun?: boolean; send: boolean; format?: string; json?: boolean }) => {
      const path = resolve(io.cwd ?? process.cwd(), file);
      const format = formatOf(path, options.format);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) throw InvalidRequestError.field('file', `${file} is not a readable file`);
      const bar = new SingleBar({ stream: io.progress, format: 'importing [{bar}] {value}/{total} rows', hideCursor: true, clearOnComplete: true });
      let started = false;
      const invalid = await withContext(async (ctx) => {
        const result = await ctx.get(BulkImportService).run({
          body: createReadStream(path),
          format,
          relyingParty: options.relyingParty,
          send: options.send,
          dryRun: options.dryRun === true,
          actor: actor(),
          onProgress: ({ processed, total }) => {
            if (!started) {
              bar.start(total, processed);
              started = true;
            } else {
              bar.update(processed);
            }
          },
        });
        if (started) bar.stop();
        try {
          await printResult(io, result, options.json === true);
        } finally {
          await result.dispose();
        }
        return result.summary.invalid;
      }, context).finally(() => {
        if (started) bar.stop();
      });
      // Rows were refused: say so to scripts, though the good rows are imported.
      io.exit(invalid > 0 ? 1 : 0);
    });

  invitations
    .command('list')
    .description('list invitations, newest first')
    .option('--status <status>', 'pending, opened, redeemed, revoked or expired')
    .option('--email <email>', 'only this invitee')
    .option('--relying-party <id>', 'only this relying party')
    .option('--limit <n>', 'at most this many (1-200)', (v) => Number.parseInt(v, 10), 50)
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .option('--json', 'print JSON')
    .action(async (options: { status?: string; email?: string; relyingParty?: string; limit: number; cursor?: string; json?: boolean }) => {
      const page = await withContext(
        (ctx) =>
          ctx.get(InvitationsService).list({
            status: options.status as InvitationStatus | undefined,
            email: options.email,
            relyingParty: options.relyingParty,
            limit: options.limit,
            cursor: options.cursor,
          }),
        context,
      );
      if (options.json) return io.out(JSON.stringify(page, null, 2));
      if (page.items.length === 0) io.out('no invitations');
      for (const item of page.items) io.out(line(item));
      if (page.nextCursor) io.out(`more: --cursor ${page.nextCursor}`);
    });

  invitations
    .command('revoke')
    .description('revoke an invitation: its link and hint stop working at once')
    .argument('<id>', 'invitation id')
    .option('--reason <text>', 'recorded with the revocation')
    .action(async (id: string, options: { reason?: string }) => {
      const revoked = await withContext((ctx) => ctx.get(InvitationsService).revoke(id, actor(), options.reason), context);
      io.out(line(revoked));
    });

  invitations
    .command('resend')
    .description('issue a new link (the previous one stops working) and queue the email again')
    .argument('<id>', 'invitation id')
    .option('--expires-in <seconds>', 'a new lifetime from now', (v) => Number(v))
    .option('--locale <locale>', 'en or ko')
    .option('--no-send', 'issue the new link without queuing an email')
    .option('--print-link', 'print the new link (it is not stored anywhere: this is the only time it is shown)')
    .action(async (id: string, options: { expiresIn?: number; locale?: string; send: boolean; printLink?: boolean }) => {
      const issued = await withContext(
        (ctx) => ctx.get(InvitationsService).resend(id, { expiresIn: options.expiresIn, locale: options.locale, send: options.send }, actor()),
        context,
      );
      io.out(`${line(issued.invitation)}  version ${issued.invitation.version}, mail ${issued.mail}`);
      if (options.printLink && issued.link) io.out(issued.link);
    });
}

async function printResult(io: InvitationCommandIo, result: BulkImportResult, json: boolean): Promise<void> {
  const s = result.summary;
  if (json) {
    io.out(JSON.stringify({ ...(result.id ? { id: result.id } : {}), dryRun: result.dryRun, summary: s }));
    for await (const row of result.results()) io.out(JSON.stringify(row));
    return;
  }
  for await (const row of result.results()) {
    if (row.status === 'created') continue;
    io.out(`row ${row.row}: ${row.status}${row.field ? ` (${row.field})` : ''}: ${row.reason ?? ''}`);
  }
  const outcome = `${s.created} created, ${s.duplicate} duplicate, ${s.invalid} invalid of ${s.total} rows`;
  io.out(result.dryRun ? `dry run: ${outcome.replace('created', 'would be created')}; nothing was written or sent` : `${outcome} (import ${result.id})`);
}

function formatOf(path: string, given: string | undefined): ImportFormat {
  const format = given ?? (extname(path).toLowerCase() === '.json' ? 'json' : 'csv');
  if (format !== 'csv' && format !== 'json') throw InvalidRequestError.field('--format', 'must be csv or json');
  return format;
}

function line(item: InvitationView): string {
  return [item.id, item.status.padEnd(8), item.relyingParty, item.email, `expires ${item.expiresAt}`].join('  ');
}
