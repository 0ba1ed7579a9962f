// Preloaded (`node --require`) into the servers of the memory soak, product and floor alike, so
// both report the same way: on SIGUSR2 it writes RSS, V8 heap in use and the bytes allocated
// since start to MEMORY_PROBE_FILE. Allocation is counted from V8's GC statistics: what the heap
// grew by between collections, plus what it holds now beyond the last one. When
// MEMORY_PROBE_FILE.gc exists (and node runs with --expose-gc) it first collects all garbage:
// what is left is the live heap. It also counts the collections by kind (`gcCounts`: Scavenge,
// MarkSweepCompact, ...), which `bench/probe.js` reads per turn with PROBE_GC=1.
//
// With MEMORY_PROBE_SAMPLE_MS (the memory soak: 100) it also samples RSS and heap in use that
// often and reports running sums and the highest values since the last report (`sampled`), so
// the bench reads each interval's time average and peak. A value read once every 5 s lands on a
// random point of the garbage-collection saw-tooth, whose period (3–5 s here) is close enough to
// 5 s to alias: twelve such readings put one process's minute anywhere between 22.3 and
// 28.2 MiB of heap, its average over readings 50 ms apart at 25.3 (BENCHMARKS.md, "Heap in use,
// sampled").
const fs = require('node:fs');
const v8 = require('node:v8');

const sampleMs = Number(process.env.MEMORY_PROBE_SAMPLE_MS ?? 0);
const sampled = { count: 0, heapUsedSum: 0, rssSum: 0, heapUsedMax: 0, rssMax: 0 };
if (sampleMs > 0) {
  setInterval(() => {
    const heapUsed = v8.getHeapStatistics().used_heap_size;
    const rss = process.memoryUsage.rss();
    sampled.count++;
    sampled.heapUsedSum += heapUsed;
    sampled.rssSum += rss;
    sampled.heapUsedMax = Math.max(sampled.heapUsedMax, heapUsed);
    sampled.rssMax = Math.max(sampled.rssMax, rss);
  }, sampleMs).unref();
}

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
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ rss, heapUsed, allocatedBytes, gcCounts, sampled }));
  fs.renameSync(`${file}.tmp`, file);
  sampled.heapUsedMax = 0;
  sampled.rssMax = 0;
});
