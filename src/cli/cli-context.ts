import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { loadConfig, type LoadedConfig } from '../config/config.loader';

/**
 * Boots the application's modules without an HTTP server (same config, same database, same key
 * store as the server), runs `fn`, and closes everything. Logs go to stderr only at warn+,
 * so command output on stdout stays clean for pipes.
 */
export async function withContext<T>(
  fn: (ctx: INestApplicationContext, loaded: LoadedConfig) => Promise<T>,
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<T> {
  const loaded = loadConfig({ env: { LOG_LEVEL: 'warn', ...(options.env ?? process.env) }, cwd: options.cwd });
  const ctx = await NestFactory.createApplicationContext(AppModule.forRoot(loaded.config), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  try {
    return await fn(ctx, loaded);
  } finally {
    await ctx.close();
  }
}
