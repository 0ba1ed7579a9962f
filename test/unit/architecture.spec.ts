import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');
/** Folders that serve every feature and so must not know any (README, "Code layout"). */
const INFRASTRUCTURE = ['prisma', 'redis', 'metrics', 'logging', 'lifecycle', 'config', 'common', 'health', 'mail'];
const FEATURES = ['auth', 'users'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** file → the files of src/ it imports (relative imports, `import type` included). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/g)]
      .map(([, spec]) => resolve(dirname(file), spec))
      .map((target) => (target.endsWith('.ts') ? target : `${target}.ts`))
      .filter((target) => !target.includes(`${SRC}/generated`));
    graph.set(file, targets);
  }
  return graph;
}

const rel = (file: string) => relative(SRC, file);

describe('architecture', () => {
  const graph = importGraph();

  it('reads the import graph (sanity: it sees the modules and their imports)', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get(join(SRC, 'app.module.ts'))).toContain(join(SRC, 'auth', 'auth.module.ts'));
  });

  it('has no import circle', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        circles.push([...path.slice(path.indexOf(file)), file].map(rel).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(circles).toEqual([]);
  });

  it.each(INFRASTRUCTURE)('src/%s imports no feature', (folder) => {
    const offending = [...graph]
      .filter(([file]) => rel(file).startsWith(`${folder}/`))
      .flatMap(([file, targets]) => targets.filter((t) => FEATURES.some((f) => rel(t).startsWith(`${f}/`))).map((t) => `${rel(file)} → ${rel(t)}`));
    expect(offending).toEqual([]);
  });

  it('checks every input on its endpoint: bodies through @ValidatedBody(), parameters with their own pipe', () => {
    const controllers = sourceFiles(SRC).filter((file) => file.endsWith('.controller.ts'));
    const bodies = controllers.map((file) => readFileSync(file, 'utf8')).join('\n');
    expect(bodies.match(/@ValidatedBody\(\)/g)?.length).toBeGreaterThanOrEqual(10);
    expect(controllers.filter((file) => /@Body\(/.test(readFileSync(file, 'utf8'))).map(rel)).toEqual([]);
    // There is no global pipe: a route or query parameter brings its own (ParseUUIDPipe, say).
    const unchecked = bodies.match(/@(Param|Query)\((?:'[^']*')?\)/g) ?? [];
    expect({ checked: bodies.match(/@Param\('id', new ParseUUIDPipe\(\)\)/g)?.length, unchecked }).toEqual({ checked: 1, unchecked: [] });
  });
});
