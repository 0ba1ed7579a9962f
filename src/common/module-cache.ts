/**
 * Removes the modules whose file matches `pattern` from Node's module cache, and from the
 * `children` of the modules that loaded them, so that what they export can be garbage-collected.
 * For data needed once at start-up that would otherwise sit on the V8 heap for the life of the
 * process (BENCHMARKS.md, "Memory"). A later `require` of such a module reads its file anew.
 */
export function forgetModules(pattern: RegExp): void {
  for (const [file, cached] of Object.entries(require.cache)) {
    if (!cached || !pattern.test(file)) continue;
    delete require.cache[file];
    for (const parent of Object.values(require.cache)) {
      const index = parent ? parent.children.indexOf(cached) : -1;
      if (index >= 0) parent?.children.splice(index, 1);
    }
  }
}
