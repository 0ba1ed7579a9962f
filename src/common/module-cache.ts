/**
 * Removes the modules whose file matches `pattern` from Node's module cache, and from the
 * `children` of the modules that loaded them, so that what they export can be garbage-collected.
 * For data needed once at start-up that would otherwise sit on the V8 heap for the life of the
 * process (BENCHMARKS.md, "Memory"). A later `require` of such a module reads its file anew.
 */
export function forgetModules(pattern: RegExp): void {
  const forgotten = new Set<NodeJS.Module>();
  for (const [file, cached] of Object.entries(require.cache)) {
    if (!cached || !pattern.test(file)) continue;
    forgotten.add(cached);
    delete require.cache[file];
  }
  if (forgotten.size === 0) return;
  for (const parent of Object.values(require.cache)) {
    if (parent?.children.some((child) => forgotten.has(child))) {
      parent.children = parent.children.filter((child) => !forgotten.has(child));
    }
  }
}
