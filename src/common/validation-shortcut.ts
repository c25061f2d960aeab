import { plainToInstance, TransformationType } from 'class-transformer';
import type { MetadataStorage as TransformerMetadataStorage } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

// The storage class-transformer's decorators write to (not re-exported by its index).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformerMetadataStorage };

/**
 * Accepts a request body that the global validation pipe would accept, in a fraction of its
 * cost, and says nothing about any other body: `undefined` means "ask the pipe".
 *
 * Why: the pipe (class-transformer, then class-validator's asynchronous executor) was the largest
 * cost of the hot API routes that Tessera itself adds to each request (hint validation over
 * HTTP, invitation creation), while nearly every body those routes see is valid. Refusals are
 * rare and worth their price, so they still come from the pipe, word for word.
 *
 * What "the pipe would accept" means here, for a DTO whose rules are all whitelisting (`@Allow`),
 * conditional (`@IsOptional`), defined (`@IsDefined`) or synchronous single-value constraints
 * (`@IsString`, `@MaxLength`...), and which has no class-transformer decorators:
 * - the body is what JSON.parse makes (plain objects, arrays, strings, finite numbers, booleans,
 *   null) with no `__proto__`, `prototype` or `constructor` key and no U+0000 anywhere, so the pipe's own
 *   preparation (prototype keys stripped, array gaps closed, binary values refused, the NUL
 *   refusal) would leave it as it is;
 * - the instance is built by the same `plainToInstance` the pipe calls, with the same (default)
 *   options, so what the controller receives is the same object (a flat body of primitives is
 *   assigned to a new instance directly, which is what `plainToInstance` does with it);
 * - every property of that instance has a rule (`whitelist` + `forbidNonWhitelisted`), and every
 *   constraint of every property, run as class-validator runs it (the same constraint instance,
 *   the same arguments, the conditions first), answers `true` synchronously.
 * A DTO with any other rule (nested, `each`, groups, `always`, `validateIf`, asynchronous
 * constraints...) gets no shortcut at all. `validation-shortcut.spec.ts` checks the claim by
 * comparing with the pipe on generated bodies.
 */
export type BodyShortcut = (body: unknown) => object | undefined;

const compiled = new WeakMap<object, BodyShortcut | null>();

/** The shortcut for `metatype`, built once; `undefined` when its rules are not all of the kinds above. */
export function bodyShortcutFor(metatype: new () => object): BodyShortcut | undefined {
  let shortcut = compiled.get(metatype);
  if (shortcut === undefined) {
    shortcut = compile(metatype) ?? null;
    compiled.set(metatype, shortcut);
  }
  return shortcut ?? undefined;
}

interface PropertyRules {
  property: string;
  conditions: ((object: object, value: unknown) => boolean)[];
  /** `IS_DEFINED` constraints run before the others, and like them only when every condition holds (class-validator 0.15). */
  defined: Constraint[];
  constraints: Constraint[];
}

interface Constraint {
  validate(value: unknown, args: ValidationArguments): unknown;
  constraints: unknown[];
}

/** Keys the pipe deletes, at any depth, before transforming (its `stripProtoKeys`). */
const PROTO_KEYS = new Set(['__proto__', 'prototype', 'constructor']);
/** Deeper than this, the body is left to the pipe rather than walked further. */
const MAX_DEPTH = 32;

function compile(metatype: new () => object): BodyShortcut | undefined {
  const storage = getMetadataStorage();
  // The same call, with the same arguments, as class-validator's executor makes for the pipe's
  // options (no groups, no `always`, no `strictGroups`).
  const metadatas = storage.getTargetValidationMetadatas(metatype, undefined as unknown as string, false, false, undefined);
  if (metadatas.length === 0) return undefined;
  if (hasTransformerMetadata(metatype, new Set(metadatas.map((m) => m.propertyName)))) return undefined;
  const byProperty = new Map<string, PropertyRules>();
  for (const metadata of metadatas) {
    if (metadata.groups?.length || metadata.always || metadata.each || metadata.validateIf) return undefined;
    if (PROTO_KEYS.has(metadata.propertyName)) return undefined;
    let rules = byProperty.get(metadata.propertyName);
    if (!rules) {
      rules = { property: metadata.propertyName, conditions: [], defined: [], constraints: [] };
      byProperty.set(metadata.propertyName, rules);
    }
    switch (metadata.type) {
      case ValidationTypes.WHITELIST:
        break;
      case ValidationTypes.CONDITIONAL_VALIDATION:
        rules.conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
        break;
      case ValidationTypes.IS_DEFINED:
      case ValidationTypes.CUSTOM_VALIDATION: {
        const constraints = constraintsOf(storage, metadata);
        if (!constraints) return undefined;
        (metadata.type === ValidationTypes.IS_DEFINED ? rules.defined : rules.constraints).push(...constraints);
        break;
      }
      default:
        return undefined;
    }
  }
  const properties = [...byProperty.values()];
  const targetName = metatype.name;
  const assignable = assignsLikeTransformer(metatype, [...byProperty.keys()]);

  return (body) => {
    if (!isPlainJsonObject(body)) return undefined;
    const entity = (assignable && hasOnlyPrimitiveValues(body) ? assign(metatype, body) : plainToInstance(metatype, body)) as Record<string, unknown>;
    if (Object.getPrototypeOf(entity) !== metatype.prototype) return undefined;
    for (const key of Object.keys(entity)) if (!byProperty.has(key)) return undefined;
    for (const rules of properties) {
      const value = entity[rules.property];
      if (!rules.conditions.every((condition) => condition(entity, value))) continue;
      const args = (constraints: unknown[]): ValidationArguments => ({ targetName, property: rules.property, object: entity, value, constraints });
      for (const constraint of [...rules.defined, ...rules.constraints]) {
        const valid = constraint.validate(value, args(constraint.constraints));
        if (valid === true) continue;
        // A constraint not declared async may still answer with a promise; the pipe will ask
        // again and await it. This copy must not become an unhandled rejection.
        if (valid instanceof Promise) valid.catch(() => undefined);
        return undefined;
      }
    }
    return entity;
  };
}

/**
 * For a body of primitive values, what `plainToInstance` builds is a new instance with each value
 * set as it is (no metadata, no implicit conversion: class-transformer returns primitives
 * unchanged), provided it would not skip any of the properties: it leaves out keys that are
 * accessors without a setter or methods on the prototype, or functions on a new instance.
 */
function assignsLikeTransformer(metatype: new () => object, properties: string[]): boolean {
  if (metatype.length > 0) return false;
  const probe = new metatype() as Record<string, unknown>;
  return properties.every((name) => {
    if (typeof probe[name] === 'function') return false;
    for (let proto = metatype.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      if (Object.getOwnPropertyDescriptor(proto, name)) return false;
    }
    return true;
  });
}

function hasOnlyPrimitiveValues(body: Record<string, unknown>): boolean {
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (value !== null && typeof value === 'object') return false;
  }
  return true;
}

function assign(metatype: new () => object, body: Record<string, unknown>): object {
  const entity = new metatype() as Record<string, unknown>;
  for (const key of Object.keys(body)) entity[key] = body[key];
  return entity;
}

/** The constraint instances class-validator would run for `metadata`; `undefined` if any may be asynchronous. */
function constraintsOf(storage: ReturnType<typeof getMetadataStorage>, metadata: ValidationMetadata): Constraint[] | undefined {
  const out: Constraint[] = [];
  for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
    if (constraint.async) return undefined;
    const instance = constraint.instance as Partial<Constraint>;
    if (typeof instance.validate !== 'function') return undefined;
    // `async validate()` without `async: true` on the constraint: a promise every time, which the
    // shortcut could only pass on to the pipe after running it once for nothing.
    if (instance.validate.constructor.name === 'AsyncFunction') return undefined;
    out.push({ validate: instance.validate.bind(instance), constraints: metadata.constraints });
  }
  return out.length ? out : undefined;
}

function hasTransformerMetadata(metatype: new () => object, properties: Set<string>): boolean {
  const storage = defaultMetadataStorage;
  // Class-level @Exclude()/@Expose() change which keys are copied; they are not among the
  // per-property metadata below.
  if (storage.getStrategy(metatype) !== 'none') return true;
  if (storage.getExposedMetadatas(metatype).length || storage.getExcludedMetadatas(metatype).length) return true;
  // Type and Transform are looked up per property (ancestors included). Only the validated
  // properties need it: a key without rules fails the whitelist check, and goes to the pipe.
  return [...properties].some((name) => storage.findTypeMetadata(metatype, name) !== undefined || storage.findTransformMetadatas(metatype, name, TransformationType.PLAIN_TO_CLASS).length > 0);
}

/** A value JSON.parse could have made, with nothing the pipe's preparation would change or refuse. */
function isPlainJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && isPlainJson(value, 0);
}

function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return !value.includes('\u0000');
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        // Dense, as JSON.parse makes them: no gaps for the pipe to close.
        if (Object.keys(value).length !== value.length) return false;
        return value.every((item) => isPlainJson(item, depth + 1));
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key of Object.keys(value)) {
        if (PROTO_KEYS.has(key) || key.includes('\u0000')) return false;
        if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
