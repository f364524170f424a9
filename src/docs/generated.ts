/**
 * README sections generated from the code that defines them (the settings table, each venue's
 * capabilities), so the documentation cannot drift: `npm run docs` rewrites them, and a test fails when
 * the README differs from what the code says.
 */
import { settingsTable } from '../app/config.js';
import { VENUES } from '../exchanges/venues.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The configuration table: every setting with its variable, flag and file key, default and meaning. */
export function settingsMarkdown(): string {
  const rows = settingsTable().map(
    (s) => `| \`${s.env}\` | \`${s.flag}\` / \`${s.key}\` | \`${cell(s.fallback)}\` | ${cell(s.help)} |`,
  );
  return ['| variable | flag / file key | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** The venue × channel matrix: what each channel carries, its sequence rule, checksum, snapshot source, evidence. */
export function venueMatrixMarkdown(): string {
  const rows = VENUES.flatMap((venue) =>
    venue.capabilities.map(
      (c) =>
        `| ${venue.name} (\`${venue.id}\`) | \`${cell(c.channel)}\` | ${cell(c.carries)} | ${cell(c.sequence)} | ${cell(c.checksum)} | ${cell(c.snapshotSource)} | ${cell(c.evidence)} |`,
    ),
  );
  return [
    '| venue | channel | carries | sequence rule | checksum | snapshot source | evidence |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export const GENERATED_SECTIONS: Readonly<Record<string, () => string>> = {
  settings: settingsMarkdown,
  venues: venueMatrixMarkdown,
};

/** The README with every generated section replaced by what the code says now. */
export function regenerate(readme: string): string {
  let out = readme;
  for (const [name, generate] of Object.entries(GENERATED_SECTIONS)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start === -1 || end === -1) throw new Error(`README has no ${open} … ${close} section`);
    out = `${out.slice(0, start + open.length)}\n${generate()}\n${out.slice(end)}`;
  }
  return out;
}
