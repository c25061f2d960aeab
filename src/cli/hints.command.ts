import type { Command } from 'commander';

export function registerHintCommands(program: Command): void {
  void program;
}
