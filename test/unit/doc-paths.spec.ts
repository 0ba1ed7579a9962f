import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DOCS = ['README.md', 'SECURITY.md', 'BENCHMARKS.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const TOP = '(?:src|test|bench|scripts|docs|examples|prisma|\\.ci)';
/** A repository path as the docs write it: `src/…`, a Markdown link target, a file at the root; not a scoped package (`@prisma/client`). */
const PATH = new RegExp(`(?<![\\w./…@-])(${TOP}/[\\w./-]*[\\w-]|[\\w-]+\\.(?:md|json|yml|ts|js))(?![\\w/<*…])`, 'g');

/** Every path a document names, relative to the repository root (links are relative to the document). */
function pathsNamedIn(doc: string): string[] {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const found = new Set<string>();
  for (const [, target] of text.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)) {
    if (!/^[a-z]+:/.test(target)) found.add(join(doc, '..', target));
  }
  for (const code of text.match(/`[^`\n]+`/g) ?? []) {
    for (const [path] of code.matchAll(PATH)) found.add(path.replace(/^\.\//, ''));
  }
  return [...found];
}

describe('documentation', () => {
  it.each(DOCS)('%s names only paths that exist in the repository', (doc) => {
    const missing = pathsNamedIn(doc).filter((p) => !existsSync(join(ROOT, p)));
    expect(missing).toEqual([]);
  });
});
