// Compiles the peer servers (TypeScript with Nest's decorators) with swc, into bench/peers/dist.
const path = require('node:path');
const fs = require('node:fs');
const swc = require('@swc/core');

function buildPeer(name) {
  const source = path.join(__dirname, `${name}.ts`);
  const out = path.join(__dirname, 'dist', `${name}.js`);
  const { code } = swc.transformFileSync(source, {
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // The output sits one directory deeper than the source: fix the relative path to the build.
  fs.writeFileSync(out, code.replace("require('../../dist/", "require('../../../dist/"));
  return out;
}

module.exports = { buildPeer };
