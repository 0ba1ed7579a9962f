// Preloaded (`node --require`) into a floor by `PROBE_WEIGHT=1 node bench/probe.js`: the whole
// product, started on its own port (IDLE_PRODUCT_PORT) and never sent a request, so the floor
// carries the product's code and state without doing its work. It measures what the product's
// heap alone costs a server (BENCHMARKS.md, "Weight without work").
const port = process.env.PORT;
process.env.PORT = process.env.IDLE_PRODUCT_PORT;
require('../dist/main.js'); // validates and caches the environment before it returns
process.env.PORT = port;
