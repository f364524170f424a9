/**
 * Raw log-line checks. `JSON.parse` keeps the last of two equal keys and hides the first, which is
 * exactly the defect these look for, so lines are scanned as text.
 */

/** Keys that occur twice in the same object of one JSON line, as `path.key` (e.g. `exchange`, `err.code`). */
export function duplicateKeys(line: string): string[] {
  const duplicates: string[] = [];
  let i = 0;
  const ws = () => {
    while (i < line.length && ' \t\r\n'.includes(line[i])) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (line[i] !== '"') {
      if (i >= line.length) throw new Error(`unterminated string at ${start}`);
      i += line[i] === '\\' ? 2 : 1;
    }
    i++;
    return JSON.parse(line.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = line[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (line[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = string();
        const at = path === '' ? key : `${path}.${key}`;
        if (seen.has(key)) duplicates.push(at);
        seen.add(key);
        ws();
        if (line[i++] !== ':') throw new Error(`expected : after "${key}"`);
        value(at);
        ws();
        if (line[i] === ',') {
          i++;
          continue;
        }
        if (line[i++] !== '}') throw new Error(`expected , or } at ${i - 1}`);
        return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (line[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (line[i] === ',') {
          i++;
          continue;
        }
        if (line[i++] !== ']') throw new Error(`expected , or ] at ${i - 1}`);
        return;
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const literal = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(line.slice(i));
    if (!literal) throw new Error(`unexpected ${JSON.stringify(c)} at ${i}`);
    i += literal[0].length;
  };
  value('');
  ws();
  if (i !== line.length) throw new Error(`trailing text at ${i}`);
  return duplicates;
}

/** Collects what a pino logger writes, one raw line per entry. */
export class LineCollector {
  readonly lines: string[] = [];
  private partial = '';

  write(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts.filter((l) => l !== ''));
  }
}
