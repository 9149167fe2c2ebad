// Loaded into every Node process of a measured run by bench/synth.ts (NODE_OPTIONS=--require):
// at exit, appends the process's CPU time (all its threads: user and system, in µs) to the file
// named by OBS_BENCH_CPU_FILE. CPU time leaves out the time the machine gave to others (a
// neighbour's load, a VM's steal), which wall time includes. Plain JavaScript: Node loads it
// before anything else, npm included.
'use strict';
const file = process.env.OBS_BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    require('fs').appendFileSync(file, `${process.pid} ${user} ${system}\n`);
  });
}
