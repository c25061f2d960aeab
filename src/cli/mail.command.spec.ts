import { Command } from 'commander';
import { simpleParser } from 'mailparser';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboxService } from '../mail/outbox.service';
import { OutboxWorker } from '../mail/outbox.worker';
import { DatabaseService } from '../persistence/database.service';
import { withContext } from './cli-context';
import { registerMailCommands } from './mail.command';

describe('tessera mail', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-mail-'));
    env = {
      DATA_DIR: dir,
      DATABASE_URL: join(dir, 'cli.sqlite'),
      PUBLIC_URL: 'https://tessera.test',
      KEYSTORE_PASSPHRASE: 'cli-test-keystore-passphrase',
      LOG_LEVEL: 'silent',
    };
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(args: string[]): Promise<string[]> {
    const out: string[] = [];
    const program = new Command('tessera').exitOverride();
    registerMailCommands(program, { out: (t) => out.push(t), env, cwd: dir });
    await program.parseAsync(['node', 'tessera', ...args]);
    return out;
  }

  async function queue(count: number): Promise<void> {
    await withContext(
      async (ctx) => {
        const db = ctx.get(DatabaseService).db;
        for (let n = 1; n <= count; n++) {
          await ctx.get(OutboxService).enqueue(db, { to: `user${n}@example.com`, subject: `Hello ${n}`, text: `Hello ${n}`, dedupeKey: `cli-${n}` });
        }
      },
      { env, cwd: dir },
    );
  }

  it('does not start the background worker in a one-shot command', async () => {
    expect(await withContext(async (ctx) => ctx.get(OutboxWorker).isRunning, { env, cwd: dir })).toBe(false);
  });

  it('counts queued messages, drains them, and counts again', async () => {
    await queue(3);

    expect(await run(['mail', 'status'])).toEqual(['pending: 3 (3 due now)', 'sent:    0', 'failed:  0']);
    expect(await run(['mail', 'drain'])).toEqual(['sent 3, rescheduled 0, failed 0']);
    expect(JSON.parse((await run(['mail', 'status', '--json'])).join('\n'))).toEqual({ pending: 0, sent: 3, failed: 0, due: 0 });

    const files = readdirSync(join(dir, 'outbox')).sort();
    expect(files).toHaveLength(3);
    const subjects = await Promise.all(files.map(async (f) => (await simpleParser(readFileSync(join(dir, 'outbox', f)))).subject));
    expect(subjects.sort()).toEqual(['Hello 1', 'Hello 2', 'Hello 3']);
    expect(JSON.parse((await run(['mail', 'drain', '--json'])).join('\n'))).toMatchObject({ claimed: 0, sent: 0 });
  });
});
