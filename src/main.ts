import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { ConfigError } from './common/errors';
import { loadConfig, type LoadedConfig } from './config/config.loader';

async function main(): Promise<void> {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`tessera: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const app = await createApp(loaded);
  await app.listen(loaded.config.port);
  new Logger('Startup').log(`Tessera listening on port ${loaded.config.port}; issuer ${loaded.config.issuer}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`tessera: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
