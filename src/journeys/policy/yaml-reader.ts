import type { LocalizedText, SourceRef } from './policy.model';
import { LOCALES } from './policy.model';
import type { Problems } from './policy.problems';

/**
 * Typed reads from a parsed YAML value, each reporting what is wrong with the field it reads
 * (and carrying on), so one pass over a file finds every structural mistake in it.
 */
export class YamlReader {
  constructor(
    readonly problems: Problems,
    readonly source: SourceRef,
    /** path below the element */
    readonly field: (string | number)[] = [],
  ) {}

  /** A reader for a named element below this one (`TechnicalProfile "X"`). */
  element(element: string, path: (string | number)[]): YamlReader {
    return new YamlReader(this.problems, { file: this.source.file, element, path: [...this.source.path, ...this.field, ...path] });
  }

  /** A reader for a field of the current element. */
  at(...path: (string | number)[]): YamlReader {
    return new YamlReader(this.problems, this.source, [...this.field, ...path]);
  }

  report(problem: string, ...path: (string | number)[]): void {
    this.problems.add(this.source, [...this.field, ...path], problem);
  }

  /** The source of the current element with the field path folded into its YAML path. */
  get here(): SourceRef {
    return { ...this.source, path: [...this.source.path, ...this.field] };
  }

  /** A mapping with only the given keys; unknown keys are reported by name. */
  mapping(value: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.report(`must be a mapping (with ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''})`);
      return undefined;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!keys.includes(key)) this.report(`is not a known field here; expected one of ${keys.join(', ')}`, key);
    }
    return record;
  }

  string(record: Record<string, unknown>, key: string, options: { required?: boolean; pattern?: RegExp; patternHelp?: string } = {}): string | undefined {
    const value = record[key];
    if (value === undefined || value === null) {
      if (options.required) this.report('is required', key);
      return undefined;
    }
    if (typeof value !== 'string' || value.length === 0) {
      this.report('must be a non-empty string', key);
      return undefined;
    }
    if (options.pattern && !options.pattern.test(value)) {
      this.report(options.patternHelp ?? `"${value}" does not match ${options.pattern}`, key);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(record: Record<string, unknown>, key: string, allowed: readonly T[], options: { required?: boolean } = {}): T | undefined {
    const value = record[key];
    if (value === undefined || value === null) {
      if (options.required) this.report(`is required: one of ${allowed.join(', ')}`, key);
      return undefined;
    }
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.report(`${JSON.stringify(value)} is not one of ${allowed.join(', ')}`, key);
      return undefined;
    }
    return value as T;
  }

  boolean(record: Record<string, unknown>, key: string, fallback: boolean): boolean {
    const value = record[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    // B2C writes booleans as text ("true"/"false"); accept the same words.
    if (value === 'true' || value === 'false') return value === 'true';
    this.report('must be true or false', key);
    return fallback;
  }

  integer(record: Record<string, unknown>, key: string, options: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = record[key];
    if (value === undefined || value === null) {
      if (options.required) this.report('is required', key);
      return undefined;
    }
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
      this.report('must be a whole number', key);
      return undefined;
    }
    if ((options.min !== undefined && n < options.min) || (options.max !== undefined && n > options.max)) {
      this.report(`is ${n}; must be between ${options.min ?? '-∞'} and ${options.max ?? '∞'}`, key);
      return undefined;
    }
    return n;
  }

  scalar(record: Record<string, unknown>, key: string): string | number | boolean | undefined {
    const value = record[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    this.report('must be a string, a number or true/false', key);
    return undefined;
  }

  /** A list; each entry is read by `item` with a reader positioned on it. */
  list<T>(record: Record<string, unknown>, key: string, item: (value: unknown, reader: YamlReader, index: number) => T | undefined): T[] {
    const value = record[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.report('must be a list', key);
      return [];
    }
    const out: T[] = [];
    value.forEach((entry, i) => {
      const read = item(entry, this.at(key, i), i);
      if (read !== undefined) out.push(read);
    });
    return out;
  }

  /** A text, or a text per locale (`{en: …, ko: …}`; `en` is required). */
  localized(record: Record<string, unknown>, key: string): LocalizedText | undefined {
    const value = record[key];
    if (value === undefined || value === null) return undefined;
    return this.at(key).localizedValue(value);
  }

  localizedValue(value: unknown): LocalizedText | undefined {
    if (typeof value === 'string' && value.length > 0) return { en: value };
    if (typeof value === 'number' || typeof value === 'boolean') return { en: String(value) };
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const record = this.mapping(value, LOCALES);
      if (!record) return undefined;
      const out: Partial<LocalizedText> = {};
      for (const locale of LOCALES) {
        const text = record[locale];
        if (text === undefined) continue;
        if (typeof text !== 'string' || text.length === 0) this.report('must be a non-empty string', locale);
        else out[locale] = text;
      }
      if (out.en === undefined) {
        this.report('needs an English text ("en"), used for any locale without its own');
        return undefined;
      }
      return out as LocalizedText;
    }
    this.report(`must be a text, or a text per locale (${LOCALES.join(', ')})`);
    return undefined;
  }
}
