/** Parses Prometheus text exposition into `name{label="v",...}` (labels sorted) → value. */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    const [, name, labelText, value] = match;
    out.set(seriesKey(name, parseLabels(labelText ?? '')), Number(value));
  }
  return out;
}

/** The key `parsePrometheus` uses for a series. */
export function seriesKey(name: string, labels: Record<string, string> = {}): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? name : `${name}{${entries.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]] = m[2];
  return labels;
}

/** Every series of `name`, as its labels and value. */
export function seriesOf(
  samples: Map<string, number>,
  name: string,
): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const [key, value] of samples) {
    const at = key.indexOf('{');
    if ((at < 0 ? key : key.slice(0, at)) !== name) continue;
    out.push({ labels: at < 0 ? {} : parseLabels(key.slice(at + 1, -1)), value });
  }
  return out;
}
