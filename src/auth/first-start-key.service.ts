import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiKeysService, type CreatedApiKey } from './api-keys.service';
import { OperatorConsole } from './operator-console';

/**
 * DESIGN §6: a fresh install prints one admin key, once. Only the HTTP server does this; the
 * command line boots the same modules without an HTTP adapter and must not mint keys as a side
 * effect of, say, `api-keys list`.
 */
@Injectable()
export class FirstStartKeyService implements OnApplicationBootstrap {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly console: OperatorConsole,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.adapterHost.httpAdapter) return;
    const created = await this.apiKeys.createFirstStartKey();
    if (created) this.console.write(firstStartBanner(created));
  }
}

/** Framed so it stands out between JSON log lines, and says what to do next. */
export function firstStartBanner({ key, apiKey }: CreatedApiKey): string {
  const lines = [
    'TESSERA FIRST START: an admin API key with every scope (*) was created.',
    'It is shown this once and stored only as a hash. Keep it in a secret store:',
    '',
    `    ${key}`,
    '',
    `key id ${apiKey.id}. Use it as "Authorization: Bearer <key>"; create narrower keys with`,
    'POST /api/api-keys or "npm run cli -- api-keys create", then revoke this one.',
    'Set TESSERA_ADMIN_API_KEY to provision a key from the environment instead.',
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const rule = `+${'-'.repeat(width + 2)}+`;
  return ['', rule, ...lines.map((l) => `| ${l.padEnd(width)} |`), rule, ''].join('\n') + '\n';
}
