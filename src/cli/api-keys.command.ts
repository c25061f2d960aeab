import type { Command } from 'commander';

export function registerApiKeyCommands(program: Command): void {
  void program;
}
