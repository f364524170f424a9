import { readFileSync } from 'node:fs';

/** Process CPU % (of one core) since the previous call, and memory. */
export class ProcessStats {
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();

  /** CPU used since the last call as a percentage of one core (200 = both cores of two busy). */
  cpuPercent(): number {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const usedMicros = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    const elapsedMicros = (now - this.lastAt) * 1000;
    this.lastCpu = cpu;
    this.lastAt = now;
    return elapsedMicros > 0 ? (usedMicros / elapsedMicros) * 100 : 0;
  }

  memory(): { rssBytes: number; heapUsedBytes: number; virtualBytes: number } {
    const m = process.memoryUsage();
    return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, virtualBytes: virtualMemoryBytes() };
  }
}

/** VmSize from /proc on Linux; 0 where the platform does not say. */
function virtualMemoryBytes(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = /^VmSize:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}
