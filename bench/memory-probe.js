// Preloaded (`node --require`) into the servers of the memory soak, product and floor alike, so
// both report the same way: on SIGUSR2 it writes RSS, V8 heap in use and the bytes allocated
// since start to MEMORY_PROBE_FILE. Allocation is counted from V8's GC statistics: what the heap
// grew by between collections, plus what it holds now beyond the last one. When
// MEMORY_PROBE_FILE.gc exists (and node runs with --expose-gc) it first collects all garbage:
// what is left is the live heap. It also counts the collections by kind (`gcCounts`: Scavenge,
// MarkSweepCompact, ...), which `bench/probe.js` reads per turn with PROBE_GC=1.
const fs = require('node:fs');
const v8 = require('node:v8');

let lastUsed = v8.getHeapStatistics().used_heap_size;
let allocatedBytes = 0;
const gcCounts = {};
let profiler = new v8.GCProfiler();
profiler.start();

function collect() {
  for (const gc of profiler.stop()?.statistics ?? []) {
    gcCounts[gc.gcType] = (gcCounts[gc.gcType] ?? 0) + 1;
    allocatedBytes += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - lastUsed);
    lastUsed = gc.afterGC.heapStatistics.usedHeapSize;
  }
  const used = v8.getHeapStatistics().used_heap_size;
  allocatedBytes += Math.max(0, used - lastUsed);
  lastUsed = used;
  profiler = new v8.GCProfiler();
  profiler.start();
}

process.on('SIGUSR2', () => {
  collect();
  if (fs.existsSync(`${process.env.MEMORY_PROBE_FILE}.gc`)) {
    global.gc();
    global.gc();
  }
  const { rss, heapUsed } = process.memoryUsage();
  // Written whole, then renamed: the bench polls for the file and must never read half of it.
  const file = process.env.MEMORY_PROBE_FILE;
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ rss, heapUsed, allocatedBytes, gcCounts }));
  fs.renameSync(`${file}.tmp`, file);
});
