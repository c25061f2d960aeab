import { ValidationError, ValidationPipe, type ArgumentMetadata, type ValidationPipeOptions } from '@nestjs/common';
import { FieldProblem, InvalidRequestError } from './errors';
import { bodyShortcutFor } from './validation-shortcut';

/** Flattens class-validator errors into `{field, problem}` with dotted/indexed paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const error of errors) {
    const path = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({ field: path, problem: message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, path));
  }
  return out;
}

/**
 * The request-body pipe: unknown properties are refused, every problem is named at once.
 * `shortcuts: false` leaves out the body shortcut (tests compare the two).
 */
export function createValidationPipe(options: { shortcuts?: boolean } = {}): ValidationPipe {
  return new RequestValidationPipe(
    {
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => InvalidRequestError.fields(flattenValidationErrors(errors)),
    },
    options.shortcuts ?? true,
  );
}

/**
 * ValidationPipe, plus one refusal for every path parameter, query parameter and body field:
 * U+0000. PostgreSQL text cannot hold it (SQLSTATE 22021), so a `%00` in an id would otherwise
 * reach the database and fail there as a 500 instead of a 400 naming the field.
 *
 * A body the pipe would accept as it is skips the pipe's own work when the DTO allows it (see
 * `validation-shortcut.ts`); everything else, every refusal included, goes through the pipe.
 */
class RequestValidationPipe extends ValidationPipe {
  constructor(
    options: ValidationPipeOptions,
    private readonly shortcuts: boolean,
  ) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (this.shortcuts && metadata.type === 'body' && typeof metadata.metatype === 'function') {
      const accepted = bodyShortcutFor(metadata.metatype as new () => object)?.(value);
      if (accepted !== undefined) return accepted;
    }
    if (metadata.type !== 'custom') {
      const field = nulField(value, metadata.data ?? '');
      if (field !== undefined) throw InvalidRequestError.field(field || metadata.type, 'must not contain a NUL character (U+0000)');
    }
    return super.transform(value, metadata);
  }
}

/** The path of the first string (or key) holding U+0000, `undefined` when there is none. */
function nulField(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return at;
    const found = nulField(item, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
