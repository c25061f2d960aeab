import { Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { claimsAt, signRaw } from '../validation/hint-validator.test-utils';
import { registerHintCommands, type HintCommandIo } from './hints.command';

const SECRET = 'command line test secret of 32+ bytes';
const ISSUER = 'https://portal.example.com';

describe('tessera hints validate', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-hints-'));
    writeFileSync(
      join(dir, 'tessera.yaml'),
      stringify({
        hintProfiles: [
          { id: 'partner', kind: 'symmetric', issuer: ISSUER, audience: 'signup', secret: SECRET, outputClaims: [{ claimType: 'email', required: true }] },
        ],
      }),
    );
    env = {
      TESSERA_CONFIG: join(dir, 'tessera.yaml'),
      DATA_DIR: dir,
      DATABASE_URL: join(dir, 'cli.sqlite'),
      KEYSTORE_PASSPHRASE: 'cli-test-keystore-passphrase',
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(args: string[], stdin = ''): Promise<{ out: string[]; err: string[]; code?: number }> {
    const result: { out: string[]; err: string[]; code?: number } = { out: [], err: [] };
    const io: HintCommandIo = {
      readStdin: async () => stdin,
      out: (t) => result.out.push(t),
      err: (t) => result.err.push(t),
      exit: (c) => (result.code = c),
      env,
      cwd: dir,
    };
    const program = new Command('tessera').exitOverride().configureOutput({ writeErr: (s) => result.err.push(s.trim()) });
    registerHintCommands(program, io);
    await program.parseAsync(['node', 'tessera', ...args]);
    return result;
  }

  const now = () => Math.floor(Date.now() / 1000);
  const token = (extra: Record<string, unknown> = {}) =>
    signRaw(new TextEncoder().encode(SECRET), { alg: 'HS256', typ: 'JWT' }, claimsAt(now(), ISSUER, 'signup', { email: 'ada@example.com', ...extra }));

  it('prints the mapped claims of a good token read from stdin', async () => {
    const r = await run(['hints', 'validate', '--profile', 'partner'], `${await token()}\n`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.join('\n'))).toEqual({ email: 'ada@example.com' });
    expect(r.err).toEqual([]);
  });

  it('reads --token-file and prints header and payload with --full', async () => {
    const file = join(dir, 'token.txt');
    writeFileSync(file, await token());
    const r = await run(['hints', 'validate', '--profile', 'partner', '--token-file', file, '--full']);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.out.join('\n'));
    expect(printed.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(printed.payload.iss).toBe(ISSUER);
  });

  it('prints the code and description of a rejection and exits 1', async () => {
    const r = await run(['hints', 'validate', '--profile', 'partner'], await token({ exp: now() - 3600, nbf: now() - 7200, iat: now() - 7200 }));
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([expect.stringMatching(/^AADB2C90208: the token expired at /)]);
  });

  it('names an unknown profile', async () => {
    const r = await run(['hints', 'validate', '--profile', 'nope'], await token());
    expect(r.code).toBe(1);
    expect(r.err).toEqual(['TESSERA_HINT_UNKNOWN_PROFILE: there is no hint profile "nope"; configured profiles: partner']);
  });

  it('says so when stdin is empty', async () => {
    const r = await run(['hints', 'validate', '--profile', 'partner'], '\n');
    expect(r.code).toBe(1);
    expect(r.err).toEqual(['AADB2C90210: the token is malformed: the token is empty']);
  });

  it('requires --profile', async () => {
    await expect(run(['hints', 'validate'], 'x')).rejects.toThrow(/required option '--profile <id>' not specified/);
  });
});
