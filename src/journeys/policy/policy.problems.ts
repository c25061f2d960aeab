import type { SourceRef } from './policy.model';

/** One mistake in a policy file: which file, which element (and line), what is wrong. */
export interface PolicyProblem {
  file: string;
  line?: number;
  element: string;
  problem: string;
}

/**
 * The policies could not be loaded. Every problem of every file is listed at once, so that an
 * operator fixes them in one pass instead of one restart per mistake.
 */
export class PolicyError extends Error {
  constructor(readonly problems: PolicyProblem[]) {
    super(
      `invalid journey policies (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'PolicyError';
  }
}

export function formatProblem(p: PolicyProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.element}: ${p.problem}`;
}

/** Finds the line of a YAML path in a file; undefined when the path is not in the file. */
export type LineLookup = (path: (string | number)[]) => number | undefined;

/**
 * Collects problems. Elements carry their source (file, element name, YAML path); a problem
 * names a field below the element, and its line is that of the deepest part of the path the
 * file holds.
 */
export class Problems {
  private readonly list: PolicyProblem[] = [];
  private readonly seen = new Set<string>();
  private readonly lines = new Map<string, LineLookup>();

  registerFile(file: string, lookup: LineLookup): void {
    this.lines.set(file, lookup);
  }

  /** `field` is a path below the element, e.g. `['metadata', 'hintProfile']`. */
  add(source: SourceRef, field: (string | number)[], problem: string): void {
    const element = field.length ? `${source.element} › ${fieldPath(field)}` : source.element;
    const line = this.lineOf(source.file, [...source.path, ...field]);
    const key = `${source.file}\u0000${element}\u0000${problem}`;
    // An element inherited by several policies is checked once per policy: say it once.
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ file: source.file, ...(line ? { line } : {}), element, problem });
  }

  get count(): number {
    return this.list.length;
  }

  all(): PolicyProblem[] {
    return [...this.list];
  }

  throwIfAny(): void {
    if (this.list.length) throw new PolicyError(this.all());
  }

  private lineOf(file: string, path: (string | number)[]): number | undefined {
    const lookup = this.lines.get(file);
    if (!lookup) return undefined;
    for (let n = path.length; n >= 0; n--) {
      const line = lookup(path.slice(0, n));
      if (line) return line;
    }
    return undefined;
  }
}

export function fieldPath(field: (string | number)[]): string {
  return field.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}
