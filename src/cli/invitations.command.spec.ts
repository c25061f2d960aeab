import { Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { MalformedImportError } from '../invitations/bulk/bulk-import.errors';
import { DatabaseService } from '../persistence/database.service';
import { withContext } from './cli-context';
import { registerInvitationCommands } from './invitations.command';

describe('tessera invitations', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-invitations-'));
    writeFileSync(
      join(dir, 'tessera.yaml'),
      [
        'relyingParties:',
        '  - id: contoso',
        '    displayName: Contoso',
        '    audience: contoso-client',
        '    signUpUrl: https://contoso.example.com/signup',
        '    claims: [{ name: role, type: string }]',
        'mail:',
        '  from: "Tessera <invitations@tessera.test>"',
      ].join('\n'),
    );
    env = {
      DATA_DIR: dir,
      DATABASE_URL: join(dir, 'cli.sqlite'),
      PUBLIC_URL: 'https://tessera.test',
      KEYSTORE_PASSPHRASE: 'cli-test-keystore-passphrase',
      LOG_LEVEL: 'silent',
    };
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(args: string[]): Promise<{ out: string[]; code?: number }> {
    const out: string[] = [];
    let code: number | undefined;
    const program = new Command('tessera').exitOverride();
    registerInvitationCommands(program, {
      out: (t) => out.push(t),
      progress: new PassThrough(),
      exit: (c) => {
        code = c;
      },
      env,
      cwd: dir,
      actor: 'cli:tester',
    });
    await program.parseAsync(['node', 'tessera', ...args]);
    return { out, code };
  }

  async function invitationRows(): Promise<{ email: string; invited_by: string; status: string }[]> {
    return withContext(
      (ctx) => ctx.get(DatabaseService).db.selectFrom('invitations').select(['email', 'invited_by', 'status']).orderBy('email').execute(),
      { env, cwd: dir },
    );
  }

  it('imports a CSV file: prints the rows it refused and a summary, exits 1 when any row was invalid', async () => {
    writeFileSync(join(dir, 'people.csv'), 'email,name,claim.role\nada@example.com,Ada,admin\nnot-an-email,Bob,\ngrace@example.com,Grace,\n');
    const sut = await run(['invitations', 'import', 'people.csv', '--relying-party', 'contoso', '--no-send']);
    expect(sut.out[0]).toBe('row 2: invalid (email): email: "not-an-email" is not an email address');
    expect(sut.out[1]).toMatch(/^2 created, 0 duplicate, 1 invalid of 3 rows \(import [0-9a-f-]{36}\)$/);
    expect(sut.code).toBe(1);
    expect(await invitationRows()).toEqual([
      { email: 'ada@example.com', invited_by: 'cli:tester', status: 'pending' },
      { email: 'grace@example.com', invited_by: 'cli:tester', status: 'pending' },
    ]);

    // Imported again, the same people are duplicates, not new invitations; nothing is invalid.
    writeFileSync(join(dir, 'again.json'), JSON.stringify([{ email: 'ada@example.com' }, { email: 'grace@example.com' }]));
    const again = await run(['invitations', 'import', 'again.json', '--relying-party', 'contoso', '--no-send', '--json']);
    expect(JSON.parse(again.out[0])).toMatchObject({ dryRun: false, summary: { total: 2, created: 0, duplicate: 2, invalid: 0 } });
    expect(again.out.slice(1).map((l) => JSON.parse(l).status)).toEqual(['duplicate', 'duplicate']);
    expect(again.code).toBe(0);
  });

  it('a dry run writes nothing', async () => {
    writeFileSync(join(dir, 'people.csv'), 'email,relyingParty\nada@example.com,contoso\n');
    const sut = await run(['invitations', 'import', 'people.csv', '--dry-run']);
    expect(sut.out).toEqual(['dry run: 1 would be created, 0 duplicate, 0 invalid of 1 rows; nothing was written or sent']);
    expect(await invitationRows()).toEqual([]);
  });

  it('refuses a malformed file, naming the line, and writes nothing', async () => {
    writeFileSync(join(dir, 'broken.csv'), 'email,relyingParty\nada@example.com,contoso\n"grace@example.com,contoso\n');
    await expect(run(['invitations', 'import', 'broken.csv'])).rejects.toThrow(MalformedImportError);
    await expect(run(['invitations', 'import', 'broken.csv'])).rejects.toThrow(/line 3/);
    expect(await invitationRows()).toEqual([]);
  });

  it('refuses a file that is not there and a format it does not know', async () => {
    await expect(run(['invitations', 'import', 'missing.csv'])).rejects.toThrow(/missing.csv is not a readable file/);
    writeFileSync(join(dir, 'people.txt'), 'email\n');
    await expect(run(['invitations', 'import', 'people.txt', '--format', 'xlsx'])).rejects.toThrow(/must be csv or json/);
  });

  it('lists, resends with a printed link, and revokes', async () => {
    writeFileSync(join(dir, 'people.csv'), 'email\nada@example.com\n');
    await run(['invitations', 'import', 'people.csv', '--relying-party', 'contoso', '--no-send']);
    const listed = await run(['invitations', 'list']);
    expect(listed.out).toHaveLength(1);
    const [id] = listed.out[0].split('  ');
    expect(listed.out[0]).toMatch(/pending\s+contoso {2}ada@example.com {2}expires /);

    const resent = await run(['invitations', 'resend', id, '--no-send', '--print-link']);
    expect(resent.out[0]).toMatch(new RegExp(`^${id} .*version 2, mail skipped$`));
    expect(resent.out[1]).toMatch(/^https:\/\/tessera\.test\/invite\/[A-Za-z0-9_-]{43}$/);

    const revoked = await run(['invitations', 'revoke', id, '--reason', 'sent by mistake']);
    expect(revoked.out[0]).toMatch(new RegExp(`^${id} {2}revoked`));
    expect(JSON.parse((await run(['invitations', 'list', '--status', 'revoked', '--json'])).out[0]).items).toHaveLength(1);
  });
});
