import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { HintValidationError } from '../validation/hint-validation.error';
import { HintValidatorService } from '../validation/hint-validator.service';
import { withContext } from './cli-context';

/** Where the command reads and writes; tests swap it for buffers. */
export interface HintCommandIo {
  readStdin(): Promise<string>;
  out(text: string): void;
  err(text: string): void;
  exit(code: number): void;
  /** environment and working directory the configuration is loaded from */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const processIo: HintCommandIo = {
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  exit: (code) => {
    process.exitCode = code;
  },
};

/**
 * `hints validate --profile <id> [--token-file <path>]`: validates a hint the way
 * `POST /api/hints/validate` does, with the same configuration. Prints the mapped claims as
 * JSON (`--full`: claims, header and payload), or the code and description and exits 1.
 */
export function registerHintCommands(program: Command, io: HintCommandIo = processIo): void {
  const hints = program.command('hints').description('id_token_hint validation against the configured hint profiles');

  hints
    .command('validate')
    .description('validate a token (read from stdin, or --token-file) and print its mapped claims, or why it is rejected')
    .requiredOption('--profile <id>', 'hint profile id (hintProfiles[].id in the configuration)')
    .option('--token-file <path>', 'read the token from this file instead of stdin')
    .option('--full', 'print the verified header and payload too')
    .action(async (options: { profile: string; tokenFile?: string; full?: boolean }) => {
      // Surrounding whitespace (the newline of `echo`, of a file) is not part of a compact JWS.
      const token = (options.tokenFile ? await readFile(options.tokenFile, 'utf8') : await io.readStdin()).trim();
      try {
        const result = await withContext((ctx) => ctx.get(HintValidatorService).validate(options.profile, token), { env: io.env, cwd: io.cwd });
        io.out(JSON.stringify(options.full ? { claims: result.claims, header: result.header, payload: result.payload } : result.claims, null, 2));
        io.exit(0);
      } catch (e) {
        if (!(e instanceof HintValidationError)) throw e;
        io.err(`${e.code}: ${e.description}`);
        io.exit(1);
      }
    });
}
