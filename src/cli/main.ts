import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { ConfigError, TesseraError } from '../common/errors';
import { registerApiKeyCommands } from './api-keys.command';
import { registerHintCommands } from './hints.command';
import { registerInvitationCommands } from './invitations.command';
import { registerKeyCommands } from './keys.command';
import { registerMailCommands } from './mail.command';
import { registerSelfCheckCommand } from './self-check.command';

/**
 * `npm run cli -- <command>`. Each feature registers its commands in its own file; they share
 * `withContext` (cli-context.ts) to boot the same modules as the server, without HTTP.
 */
export function buildProgram(): Command {
  const program = new Command('tessera')
    .description('Tessera command line: keys, admin API keys, hints')
    .showHelpAfterError()
    .exitOverride();
  registerKeyCommands(program);
  registerApiKeyCommands(program);
  registerHintCommands(program);
  registerMailCommands(program);
  registerInvitationCommands(program);
  registerSelfCheckCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    if (e instanceof ConfigError) {
      process.stderr.write(`tessera: ${e.message}\n`);
      process.exit(1);
    }
    if (e instanceof TesseraError) {
      process.stderr.write(`tessera: ${e.description}\n`);
      if (e.details?.length) for (const d of e.details) process.stderr.write(`  - ${d.field}: ${d.problem}\n`);
      process.exit(2);
    }
    process.stderr.write(`tessera: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main(process.argv);
