// Preloaded (`node --require`) into the production build by tests: on SIGUSR2 the process
// prints one JSON line naming which of the packages in MODULE_REPORT (comma-separated; a name
// ending in `.js` is one file of a package) sit in Node's module cache. Under Jest, modules live in Jest's registry; only a real process tells.
process.on('SIGUSR2', () => {
  const files = Object.keys(require.cache);
  const loaded = (process.env.MODULE_REPORT ?? '')
    .split(',')
    .filter((name) => files.some((file) => (name.endsWith('.js') ? file.endsWith(`/node_modules/${name}`) : file.includes(`/node_modules/${name}/`))));
  process.stdout.write(`${JSON.stringify({ moduleReport: loaded })}\n`);
});
