import type { Command } from 'commander';
import { ApiKeyDto } from '../auth/api-key.dto';
import { ApiKeysService, CLI_PRINCIPAL } from '../auth/api-keys.service';
import { withContext } from './cli-context';

/**
 * `api-keys create|list|revoke`, acting directly on the configured database as the operator
 * (principal `cli`). Results go to stdout, one fact a line, so they pipe into other tools;
 * `--json` prints the same as the HTTP API would.
 */
export function registerApiKeyCommands(program: Command): void {
  const apiKeys = program.command('api-keys').description('admin API keys (stored hashed; the key is shown once, at creation)');

  apiKeys
    .command('create')
    .description('create an API key and print it once')
    .requiredOption('--name <name>', 'what the key is for, shown in listings')
    .requiredOption('--scopes <scopes>', 'comma-separated scopes, e.g. invitations:write,invitations:read; * for every scope')
    .option('--json', 'print JSON')
    .action(async (options: { name: string; scopes: string; json?: boolean }) => {
      const scopes = options.scopes
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const created = await withContext((ctx) => ctx.get(ApiKeysService).create({ name: options.name, scopes }, CLI_PRINCIPAL));
      if (options.json) {
        print(JSON.stringify({ ...ApiKeyDto.from(created.apiKey), key: created.key }, null, 2));
        return;
      }
      print(`key:    ${created.key}`);
      print(`id:     ${created.apiKey.id}`);
      print(`name:   ${created.apiKey.name}`);
      print(`scopes: ${created.apiKey.scopes.join(' ')}`);
      process.stderr.write('This is the only time the key is shown; it is stored as a hash.\n');
    });

  apiKeys
    .command('list')
    .description('list API keys, revoked ones included (never the keys themselves)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const keys = await withContext((ctx) => ctx.get(ApiKeysService).list());
      if (options.json) {
        print(JSON.stringify(keys.map((k) => ApiKeyDto.from(k)), null, 2));
        return;
      }
      if (!keys.length) {
        print('no API keys (TESSERA_ADMIN_API_KEY, if set, is not stored and not listed)');
        return;
      }
      const rows = keys.map((k) => [
        k.id,
        k.revokedAt ? 'revoked' : 'active',
        k.name,
        k.scopes.join(' '),
        k.createdAt.toISOString(),
        k.lastUsedAt?.toISOString() ?? '-',
      ]);
      print(table(['ID', 'STATUS', 'NAME', 'SCOPES', 'CREATED', 'LAST USED'], rows));
    });

  apiKeys
    .command('revoke')
    .description('revoke an API key at once')
    .argument('<id>', 'the key id (see api-keys list)')
    .action(async (id: string) => {
      const key = await withContext((ctx) => ctx.get(ApiKeysService).revoke(id, CLI_PRINCIPAL));
      print(`revoked ${key.id} (${key.name}) at ${key.revokedAt?.toISOString()}`);
    });
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
