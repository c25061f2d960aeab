import { Injectable } from '@nestjs/common';

/**
 * Standard output, for what an operator must see exactly once and the JSON log must never
 * carry (a freshly generated key). An edge of its own so tests can read what was printed.
 */
@Injectable()
export class OperatorConsole {
  write(text: string): void {
    process.stdout.write(text);
  }
}
