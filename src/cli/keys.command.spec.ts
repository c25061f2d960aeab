import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError, InvalidRequestError } from '../common/errors';
import { startTestApp } from '../../test/utils/app';
import { createTestDatabase, type TestDatabase } from '../../test/utils/database';
import { keyAndCertificate } from '../../test/utils/signing-keys';
import { buildProgram } from './main';

// Each command boots the application context, as `npm run cli` does: bounds for a loaded machine.
jest.setTimeout(30_000);

describe('keys commands', () => {
  let dir: string;
  let database: TestDatabase;
  const databases: TestDatabase[] = [];
  let out: string[];
  let savedEnv: NodeJS.ProcessEnv;
  const spies: jest.SpyInstance[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-keys-'));
    database = await createTestDatabase('sqlite');
    databases.push(database);
    writeFileSync(join(dir, 'tessera.yaml'), 'keys:\n  minPublishedSecondsBeforePromotion: 3600\n');
    savedEnv = process.env;
    // The commands read the same environment as the server; this one points at a scratch install.
    process.env = {
      PATH: savedEnv.PATH,
      DATA_DIR: dir,
      DATABASE_URL: database.url,
      TESSERA_CONFIG: join(dir, 'tessera.yaml'),
      KEYSTORE_PASSPHRASE: 'test-keystore-passphrase',
    };
    out = [];
    spies.push(
      jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => out.push(String(chunk)) > 0) as typeof process.stdout.write),
      jest.spyOn(process.stderr, 'write').mockImplementation((() => true) as typeof process.stderr.write),
    );
  });
  afterEach(async () => {
    for (const spy of spies.splice(0)) spy.mockRestore();
    process.env = savedEnv;
    for (const d of databases.splice(0)) await d.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Kids are RFC 7638 thumbprints, base64url: one in 64 begins with "-", which only an argument
  // after "--" can be. The tests pass every kid that way, as the command help tells users to.
  async function run(...args: string[]): Promise<string> {
    out.length = 0;
    await buildProgram().parseAsync(['node', 'tessera', 'keys', ...args]);
    return out.join('');
  }

  async function refusal(...args: string[]): Promise<Error> {
    const error = await run(...args).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }

  const kidOf = (text: string) => /^kid: +(\S+)$/m.exec(text)?.[1];

  it('imports into an empty store as the first (active) key, which the server then publishes without generating its own', async () => {
    expect(await run('list')).toMatch(/^no signing keys/m); // listing does not invent a key
    const operator = keyAndCertificate();
    writeFileSync(join(dir, 'signing.key'), operator.keyPem);
    writeFileSync(join(dir, 'signing.crt'), operator.certificatePem);

    const imported = await run('import', '--key', join(dir, 'signing.key'), '--cert', join(dir, 'signing.crt'));
    const kid = kidOf(imported);
    expect(imported).toMatch(/^state: +active$/m);
    expect(await run('list')).toMatch(new RegExp(`^${kid}\\s+active\\s+imported-pem\\s`, 'm'));

    const server = await startTestApp({ database });
    try {
      const jwks = (await (await fetch(`${server.url}/.well-known/keys`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual([kid]);
    } finally {
      await server.close();
    }
  });

  it('rotates, refuses an early promotion, promotes with --force, and retires a next key', async () => {
    const first = kidOf(await run('generate'));
    const next = kidOf(await run('rotate'));
    expect(next).not.toBe(first);

    const early = await refusal('promote', '--', next!);
    expect(early).toBeInstanceOf(ConflictError);
    expect(early.message).toMatch(/keys.minPublishedSecondsBeforePromotion = 3600\), or force it/);

    expect(await run('promote', '--force', '--', next!)).toMatch(/^state: +active$/m);
    const listed = JSON.parse(await run('list', '--json')) as { kid: string; state: string }[];
    expect(listed.map((k) => [k.kid, k.state]).sort()).toEqual(
      [
        [first, 'retired'],
        [next, 'active'],
      ].sort(),
    );

    const third = kidOf(await run('generate'));
    expect(await run('retire', '--', third!)).toMatch(/^state: +retired$/m);
  });

  it('exports a PFX (password from the environment) that openssl reads and that imports elsewhere under the same kid', async () => {
    const kid = kidOf(await run('generate'))!;
    process.env.PFX_PASSWORD = 'export-password-1';
    const pfx = join(dir, 'signing.pfx');
    const cert = join(dir, 'signing.pem');

    const written = await run('export', '--out', pfx, '--password-env', 'PFX_PASSWORD', '--cert-out', cert, '--', kid);
    expect(written).toContain(`wrote ${pfx}`);
    expect(statSync(pfx).mode & 0o777).toBe(0o600);
    const text = execFileSync('/usr/bin/openssl', ['pkcs12', '-in', pfx, '-passin', 'env:P', '-nokeys'], { env: { P: 'export-password-1' }, encoding: 'utf8' });
    expect(new X509Certificate(text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0]).fingerprint256).toBe(
      new X509Certificate(readFileSync(cert)).fingerprint256,
    );

    const again = await refusal('export', '--out', pfx, '--password-env', 'PFX_PASSWORD', '--', kid);
    expect(again.message).toMatch(/exists already; it is not overwritten/);

    const elsewhere = await createTestDatabase('sqlite');
    databases.push(elsewhere);
    process.env.DATABASE_URL = elsewhere.url;
    expect(kidOf(await run('import', '--pfx', pfx, '--password-env', 'PFX_PASSWORD'))).toBe(kid);

    process.env.PFX_PASSWORD = 'wrong-password';
    const wrong = await refusal('import', '--pfx', pfx, '--password-env', 'PFX_PASSWORD');
    expect(wrong).toBeInstanceOf(InvalidRequestError);
    expect(wrong.message).toMatch(/^password: does not open the PFX/);
  });

  it('names what is missing instead of guessing', async () => {
    const kid = kidOf(await run('generate'))!;
    expect((await refusal('export', '--out', join(dir, 'x.pfx'), '--password-env', 'NOT_SET', '--', kid)).message).toBe(
      '--password-env: the environment variable NOT_SET is not set',
    );
    expect((await refusal('export', '--out', join(dir, 'x.pfx'), '--', kid)).message).toMatch(/^--password-env: a password is required/);
    expect((await refusal('import', '--key', join(dir, 'missing.key'), '--cert', join(dir, 'missing.crt'))).message).toMatch(
      /^--key: cannot read .*missing.key: ENOENT/,
    );
    expect((await refusal('import', '--key', join(dir, 'missing.key'))).message).toBe('--cert: is required: give --key with --cert (PEM files), or --pfx');
  });

  it('generates and sets HS256 secrets without putting them in argv or listings', async () => {
    const generated = await run('secret', 'generate', 'b2c-contoso');
    const secret = /^secret: +(\S+)$/m.exec(generated)?.[1];
    expect(Buffer.from(secret!, 'base64')).toHaveLength(32);

    process.env.RP_SECRET = 'a-shared-secret-of-at-least-32-bytes!';
    const set = await run('secret', 'set', 'other-rp', '--from-env', 'RP_SECRET');
    expect(set).not.toContain(process.env.RP_SECRET);
    expect(set).toMatch(/^stored$/m);

    const listed = await run('secret', 'list');
    expect(listed).toMatch(/^b2c-contoso\s/m);
    expect(listed).toMatch(/^other-rp\s/m);
    expect(listed).not.toContain(secret);

    process.env.SHORT = 'too short';
    expect((await refusal('secret', 'set', 'x', '--from-env', 'SHORT')).message).toMatch(/^secret: is 9 bytes/);
  });
});
