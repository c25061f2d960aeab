import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidRequestError } from '../common/errors';
import { KeyStoreService, type SigningKeyInfo } from '../keys/key-store.service';
import { withContext } from './cli-context';

/**
 * `keys …`: signing keys and HS256 secrets, acting directly on the configured database and key
 * store (the same ones the server uses). Passwords and secrets come from an environment variable
 * or stdin, never from argv, which any user can read in `ps`.
 */
/**
 * Kids are RFC 7638 thumbprints in base64url, so one in 64 begins with "-": like any operand that
 * does, it must follow "--" (POSIX Utility Syntax Guideline 10), or it is read as an option.
 */
const KID_ARGUMENT = 'the key id (see keys list); one that begins with "-" goes after "--", e.g. keys retire -- -Abc…';

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('signing keys (RSA + X.509, lifecycle next → active → retired) and HS256 secrets');

  keys
    .command('list')
    .description('list signing keys, newest first (public metadata only)')
    .option('--json', 'print JSON, as GET /api/keys does')
    .action(async (options: { json?: boolean }) => {
      const list = await withKeys((store) => store.list());
      if (options.json) return print(JSON.stringify(list, null, 2));
      if (!list.length) return print('no signing keys (the server generates one at its first start)');
      print(
        table(
          ['KID', 'STATE', 'SOURCE', 'CREATED', 'CERT NOT AFTER', 'IN JWKS UNTIL'],
          list.map((k) => [
            k.kid,
            k.state,
            k.source,
            k.createdAt,
            k.certificate.notAfter,
            k.state === 'retired' ? (k.published ? (k.publishUntil ?? '-') : 'no longer published') : 'while not retired',
          ]),
        ),
      );
    });

  keys
    .command('generate')
    .description('generate a key + self-signed certificate; it waits as the next key unless --activate (or the store has no active key)')
    .option('--activate', 'sign with it at once, retiring the active key (skips the publication wait)')
    .option('--json', 'print JSON')
    .action(async (options: { activate?: boolean; json?: boolean }) => {
      printKey(await withKeys((store) => store.generate({ activate: options.activate })), options.json);
    });

  keys
    .command('import')
    .description('import a key with its certificate: --key + --cert (PEM files), or --pfx with its password')
    .option('--key <file>', 'PEM private key (PKCS#8 or PKCS#1, unencrypted)')
    .option('--cert <file>', 'PEM certificate for --key, leaf first, then any chain')
    .option('--pfx <file>', 'PKCS#12 file holding the key and its certificate')
    .option('--password-env <VAR>', 'environment variable holding the PFX password')
    .option('--password-stdin', 'read the PFX password from the first line of stdin')
    .option('--activate', 'sign with it at once, retiring the active key (skips the publication wait)')
    .option('--json', 'print JSON')
    .action(
      async (options: { key?: string; cert?: string; pfx?: string; passwordEnv?: string; passwordStdin?: boolean; activate?: boolean; json?: boolean }) => {
        const addOptions = { activate: options.activate };
        if (options.pfx) {
          if (options.key || options.cert) throw InvalidRequestError.field('--pfx', 'give either --pfx or --key with --cert, not both');
          const der = readInput('--pfx', options.pfx);
          const password = await passwordFrom(options, '');
          return printKey(await withKeys((store) => store.importPfx(der, password, addOptions)), options.json);
        }
        if (!options.key || !options.cert) {
          throw InvalidRequestError.field(options.key ? '--cert' : '--key', 'is required: give --key with --cert (PEM files), or --pfx');
        }
        const keyPem = readInput('--key', options.key).toString('utf8');
        const certPem = readInput('--cert', options.cert).toString('utf8');
        printKey(await withKeys((store) => store.importPem(keyPem, certPem, addOptions)), options.json);
      },
    );

  keys
    .command('export')
    .description('write a key as a password-protected PFX (what B2C takes as an uploaded policy key) and/or its certificate as PEM')
    .argument('<kid>', KID_ARGUMENT)
    .option('--out <file.pfx>', 'write the PFX here (mode 0600; an existing file is not overwritten)')
    .option('--password-env <VAR>', 'environment variable holding the PFX password')
    .option('--password-stdin', 'read the PFX password from the first line of stdin')
    .option('--cert-out <file.pem>', 'write the certificate (public) here')
    .action(async (kid: string, options: { out?: string; passwordEnv?: string; passwordStdin?: boolean; certOut?: string }) => {
      if (!options.out && !options.certOut) throw InvalidRequestError.field('--out', 'give --out (PFX) and/or --cert-out (certificate)');
      const password = options.out ? await passwordFrom(options) : undefined;
      const { pfx, certificate } = await withKeys(async (store) => ({
        pfx: password !== undefined ? await store.exportPfx(kid, password) : undefined,
        certificate: options.certOut ? await store.exportCertificatePem(kid) : undefined,
      }));
      if (pfx && options.out) {
        writeOutput('--out', options.out, pfx, 0o600);
        print(`wrote ${resolve(options.out)} (PFX of ${kid})`);
      }
      if (certificate && options.certOut) {
        writeOutput('--cert-out', options.certOut, certificate, 0o644);
        print(`wrote ${resolve(options.certOut)} (certificate of ${kid})`);
      }
    });

  keys
    .command('rotate')
    .description('generate the next key: published at once, signing after `keys promote`')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const next = await withKeys((store) => store.rotate());
      printKey(next, options.json);
      if (!options.json && next.state === 'next') {
        process.stderr.write(`Relying parties see it in the JWKS now; promote it after ${next.promotableAt}: keys promote ${next.kid.startsWith('-') ? '-- ' : ''}${next.kid}\n`);
      }
    });

  keys
    .command('promote')
    .description('make a next key the active one; the active key is retired and stays published for its retention')
    .argument('<kid>', KID_ARGUMENT)
    .option('--force', 'promote even if the key has not been published for keys.minPublishedSecondsBeforePromotion')
    .option('--json', 'print JSON')
    .action(async (kid: string, options: { force?: boolean; json?: boolean }) => {
      printKey(await withKeys((store) => store.promote(kid, { force: options.force })), options.json);
    });

  keys
    .command('retire')
    .description('retire a next key that should not become active (the active key is retired by promoting another)')
    .argument('<kid>', KID_ARGUMENT)
    .option('--json', 'print JSON')
    .action(async (kid: string, options: { json?: boolean }) => {
      printKey(await withKeys((store) => store.retire(kid)), options.json);
    });

  const secret = keys.command('secret').description('HS256 shared secrets, by name (the UTF-8 bytes of the secret are the key)');

  secret
    .command('generate')
    .description('generate a secret (32 random bytes, base64) under <name>, replacing any earlier one, and print it once')
    .argument('<name>', 'the name relying-party configuration refers to')
    .action(async (name: string) => {
      const created = await withKeys((store) => store.setHmacSecret(name));
      print(`name:   ${created.name}`);
      print(`kid:    ${created.kid}`);
      print(`secret: ${created.secret}`);
      process.stderr.write(
        `This is the only time the secret is shown${created.replaced ? '; it replaced the earlier one' : ''}. ` +
          'Paste it as a B2C policy key (manual, signature) or give it to the relying party.\n',
      );
    });

  secret
    .command('set')
    .description('set the secret under <name> (at least 32 bytes), read from --from-env or stdin')
    .argument('<name>', 'the name relying-party configuration refers to')
    .option('--from-env <VAR>', 'environment variable holding the secret')
    .action(async (name: string, options: { fromEnv?: string }) => {
      const value = options.fromEnv ? fromEnv('--from-env', options.fromEnv) : await readStdin('the secret', false);
      const created = await withKeys((store) => store.setHmacSecret(name, value));
      print(`name:   ${created.name}`);
      print(`kid:    ${created.kid}`);
      print(created.replaced ? 'replaced the earlier secret' : 'stored');
    });

  secret
    .command('list')
    .description('list HS256 secrets: names, kids and dates, never a secret')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await withKeys((store) => store.listHmacSecrets());
      if (options.json) return print(JSON.stringify(list, null, 2));
      if (!list.length) return print('no HS256 secrets');
      print(table(['NAME', 'KID', 'CREATED', 'UPDATED'], list.map((s) => [s.name, s.kid, s.createdAt, s.updatedAt])));
    });
}

function withKeys<T>(fn: (store: KeyStoreService) => Promise<T>): Promise<T> {
  return withContext((ctx) => fn(ctx.get(KeyStoreService)));
}

async function passwordFrom(options: { passwordEnv?: string; passwordStdin?: boolean }, fallback?: string): Promise<string> {
  if (options.passwordEnv && options.passwordStdin) throw InvalidRequestError.field('--password-env', 'give --password-env or --password-stdin, not both');
  if (options.passwordEnv) return fromEnv('--password-env', options.passwordEnv);
  if (options.passwordStdin) return readStdin('the password', true);
  if (fallback !== undefined) return fallback;
  throw InvalidRequestError.field('--password-env', 'a password is required: name the environment variable that holds it, or use --password-stdin');
}

function fromEnv(option: string, name: string): string {
  const value = process.env[name];
  if (value === undefined) throw InvalidRequestError.field(option, `the environment variable ${name} is not set`);
  return value;
}

async function readStdin(what: string, firstLine: boolean): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`Type ${what}, then press Enter and Ctrl-D:\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  const text = Buffer.concat(chunks).toString('utf8');
  // One trailing newline is the terminal's or `echo`'s, not part of the value.
  return firstLine ? text.split(/\r?\n/)[0] : text.replace(/\r?\n$/, '');
}

function readInput(option: string, path: string): Buffer {
  try {
    return readFileSync(resolve(path));
  } catch (e) {
    throw InvalidRequestError.field(option, `cannot read ${resolve(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function writeOutput(option: string, path: string, data: Buffer | string, mode: number): void {
  try {
    writeFileSync(resolve(path), data, { mode, flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw InvalidRequestError.field(option, code === 'EEXIST' ? `${resolve(path)} exists already; it is not overwritten` : `cannot write ${resolve(path)}: ${code}`);
  }
}

function printKey(key: SigningKeyInfo, json?: boolean): void {
  if (json) return print(JSON.stringify(key, null, 2));
  print(`kid:         ${key.kid}`);
  print(`state:       ${key.state}`);
  print(`source:      ${key.source}`);
  print(`certificate: ${key.certificate.subject}, valid until ${key.certificate.notAfter}`);
  print(`x5t:         ${key.certificate.x5t}`);
  if (key.promotableAt) print(`promotable:  ${key.promotableAt}`);
  if (key.publishUntil) print(`in JWKS until: ${key.publishUntil}`);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
