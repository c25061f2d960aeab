import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { RegisteredApplication } from '../journeys.contracts';
import type { LoadContext } from '../profiles/profile-kinds';
import { APPLICATIONS_FILE, readApplications } from './applications.reader';
import { checkPolicy } from './policy.checks';
import { mergeChain, resolveChains } from './policy.merge';
import type { PolicyFile, RunnablePolicy } from './policy.model';
import { Problems, type LineLookup } from './policy.problems';
import { readPolicyFile } from './policy.reader';

export interface LoadedPolicies {
  /** policies that can be invoked (they have a relying party), by policy id */
  policies: Map<string, RunnablePolicy>;
  applications: Map<string, RegisteredApplication>;
  files: string[];
}

export interface LoadPoliciesOptions extends LoadContext {
  /** how file names appear in problems; default: relative to the working directory */
  displayRoot?: string;
}

/**
 * Loads a policies folder: every `*.yaml` / `*.yml` file is a policy, except `applications.yaml`,
 * which lists the applications. All files are read, merged and checked before anything is
 * reported, and then every problem is reported at once (`PolicyError`).
 */
export function loadPolicies(dir: string, options: LoadPoliciesOptions): LoadedPolicies {
  const problems = new Problems();
  const display = (path: string) => relative(options.displayRoot ?? process.cwd(), path) || path;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    problems.add({ file: display(dir), element: 'policies folder', path: [] }, [], 'does not exist or is not a folder (journeys.policiesDir)');
    problems.throwIfAny();
  }
  const names = readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
  const files: PolicyFile[] = [];
  let applications: RegisteredApplication[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const file = display(path);
    const document = parseFile(path, file, problems);
    if (document === undefined) continue;
    if (name.toLowerCase() === APPLICATIONS_FILE) {
      applications = readApplications(document, file, options.env, problems);
      continue;
    }
    const policy = readPolicyFile(document, file, problems);
    if (policy) files.push(policy);
  }
  const policies = new Map<string, RunnablePolicy>();
  for (const [id, chain] of resolveChains(files, problems)) {
    const runnable = checkPolicy(mergeChain(chain, problems), options, problems);
    if (runnable) policies.set(id, runnable);
  }
  problems.throwIfAny();
  return { policies, applications: new Map(applications.map((a) => [a.clientId, a])), files: names };
}

/** Parses YAML, registering the file's line numbers; syntax errors are problems too. */
function parseFile(path: string, file: string, problems: Problems): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    problems.add({ file, element: 'file', path: [] }, [], `cannot be read: ${(e as Error).message}`);
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  problems.registerFile(file, lineLookup(doc, lineCounter));
  if (doc.errors.length) {
    for (const error of doc.errors) {
      const line = lineCounter.linePos(error.pos[0]).line;
      problems.add({ file, element: 'YAML', path: [] }, [], `line ${line}: ${error.message.split('\n')[0]}`);
    }
    return undefined;
  }
  return doc.toJS() as unknown;
}

function lineLookup(doc: Document, lineCounter: LineCounter): LineLookup {
  return (path) => {
    if (!path.length) return undefined;
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    // The key's line for a mapping entry (the value of a nested mapping starts a line later).
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === last);
      const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
      return range ? lineCounter.linePos(range[0]).line : undefined;
    }
    if (isSeq(parent) && typeof last === 'number') {
      const range = (parent.items[last] as { range?: [number, number, number] } | undefined)?.range;
      return range ? lineCounter.linePos(range[0]).line : undefined;
    }
    return undefined;
  };
}
