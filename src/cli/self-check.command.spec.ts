import { Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerSelfCheckCommand } from './self-check.command';

/** A loopback port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('tessera self-check', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-self-check-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ out: string[]; code?: number }> {
    const out: string[] = [];
    let code: number | undefined;
    const program = new Command('tessera').exitOverride();
    registerSelfCheckCommand(program, { out: (t) => out.push(t), exit: (c) => (code = c), env, cwd: dir });
    await program.parseAsync(['node', 'tessera', ...args]);
    return { out, code };
  }

  it('prints each finding with its code and fix, and exits 1 when PUBLIC_URL serves nothing', async () => {
    writeFileSync(
      join(dir, 'tessera.yaml'),
      'relyingParties:\n  - { id: contoso, displayName: Contoso, audience: contoso-client, signUpUrl: "https://contoso.example.com/signup" }\n',
    );
    const publicUrl = `http://127.0.0.1:${await closedPort()}`;
    const env = { DATA_DIR: dir, PUBLIC_URL: publicUrl, KEYSTORE_PASSPHRASE: 'cli-test-keystore-passphrase', LOG_LEVEL: 'silent' };
    const sut = await run(['self-check'], env);
    expect(sut.code).toBe(1);
    expect(sut.out[0]).toBe(`PUBLIC_URL ${publicUrl}, issuer ${publicUrl}`);
    expect(sut.out).toContain(`  ERROR AADB2C90210 discovery-reachable: ${publicUrl}/.well-known/openid-configuration could not be fetched (connection refused): a relying party configured with it as METADATA cannot validate any hint`);
    expect(sut.out.filter((l) => l.startsWith('    fix: '))).toHaveLength(sut.out.filter((l) => /^ {2}(ERROR|WARNING) /.test(l)).length);
    expect(sut.out.at(-1)).toBe('errors found');

    const json = await run(['self-check', '--json'], env);
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ ok: false, relyingParties: [{ id: 'contoso' }] });
  });

  it('says there is nothing to check without relying parties, and exits 0', async () => {
    const env = { DATA_DIR: dir, PUBLIC_URL: 'https://tessera.test', KEYSTORE_PASSPHRASE: 'cli-test-keystore-passphrase', LOG_LEVEL: 'silent' };
    const sut = await run(['self-check'], env);
    expect(sut.out).toEqual(['PUBLIC_URL https://tessera.test, issuer https://tessera.test', 'no relying parties are configured: nothing to check', 'ok: no errors']);
    expect(sut.code).toBe(0);
  });
});
