import type { Command } from 'commander';
import { SelfCheckService } from '../self-check/self-check.service';
import { withContext } from './cli-context';

export interface SelfCheckCommandIo {
  out(text: string): void;
  exit(code: number): void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const processIo: SelfCheckCommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  exit: (code) => {
    process.exitCode = code;
  },
};

/**
 * `self-check`: the same checks as `GET /api/self-check`, from the command line. It fetches
 * through PUBLIC_URL, so the server must be running where PUBLIC_URL points. Exits 1 when any
 * finding is an error, so it can gate a deployment.
 */
export function registerSelfCheckCommand(program: Command, io: SelfCheckCommandIo = processIo): void {
  program
    .command('self-check')
    .description('check, per relying party, what would make B2C reject hints (fetches through PUBLIC_URL)')
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      const report = await withContext((ctx) => ctx.get(SelfCheckService).run(), { env: io.env, cwd: io.cwd });
      if (options.json) {
        io.out(JSON.stringify(report, null, 2));
      } else {
        io.out(`PUBLIC_URL ${report.publicUrl}, issuer ${report.issuer}`);
        if (report.relyingParties.length === 0) io.out('no relying parties are configured: nothing to check');
        for (const rp of report.relyingParties) {
          io.out(`${rp.id} (${rp.signing}): ${rp.findings.length === 0 ? 'ok' : `${rp.findings.length} finding${rp.findings.length === 1 ? '' : 's'}`}`);
          for (const f of rp.findings) {
            io.out(`  ${f.severity.toUpperCase()} ${f.code ?? '-'} ${f.check}: ${f.message}`);
            io.out(`    fix: ${f.fix}`);
          }
        }
        io.out(report.ok ? 'ok: no errors' : 'errors found');
      }
      io.exit(report.ok ? 0 : 1);
    });
}
