import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { OTHER_VARIABLES, settingsTable } from '../app/config.js';
import { startHelp } from './help.js';
import { flowrs, ROOT, run } from './test-support/run.js';

const VERSION = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;

/** Each setting's flag, variable and default appear together in its entry. */
function assertListsEverySetting(help: string): void {
  const settings = settingsTable();
  assert.ok(settings.length >= 10, 'the table is read');
  for (const s of settings) {
    const entry = new RegExp(
      `^  ${s.flag} +${s.env} +.*\\n +default: ${s.fallback.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
      'm',
    );
    assert.match(help, entry, `${s.env} with its flag and default`);
  }
  assert.match(help, /^ {2}--config +FLOWRS_CONFIG /m);
  assert.match(help, /^ {2}LOG_LEVEL /m);
  assert.match(help, /^ {2}LOG_FORMAT /m);
}

describe('flowrs command line', () => {
  it('start --help lists every flag with its environment variable and default', async () => {
    assertListsEverySetting(startHelp());
    const { code, stdout, stderr } = await flowrs(['start', '--help']);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), startHelp());
  });

  it('--help at the top level lists the commands and every FLOWRS_* variable', async () => {
    const { code, stdout } = await flowrs(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /^usage: flowrs \[command\] \[flags\]$/m);
    for (const command of ['start', 'demo', 'sim', 'help']) assert.match(stdout, new RegExp(`^ {2}${command} `, 'm'));
    assertListsEverySetting(stdout);
    // Variables read outside the table are documented too (the demo's rate in `flowrs demo --help`).
    const demo = await flowrs(['help', 'demo']);
    assert.equal(demo.code, 0);
    for (const name of OTHER_VARIABLES) assert.ok(`${stdout}${demo.stdout}`.includes(name), name);
  });

  it('--version prints package.json’s version, at the top level and after a command', async () => {
    for (const args of [['--version'], ['-v'], ['start', '--version'], ['sim', '--version'], ['demo', '--version']]) {
      const { code, stdout } = await flowrs(args);
      assert.equal(code, 0, args.join(' '));
      assert.equal(stdout, `${VERSION}\n`, args.join(' '));
    }
  });

  it('sim --help prints the simulator’s usage', async () => {
    const { code, stdout } = await flowrs(['sim', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /^usage: flowrs sim \[--seed N\]/m);
  });

  it('an unknown command exits 2 with one line and the usage', async () => {
    const { code, stdout, stderr } = await flowrs(['strat']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.deepEqual(stderr.trim().split('\n'), [
      'flowrs: unknown command "strat"',
      'usage: flowrs [start|ingest|gateway|demo|sim|record|replay|export|help] [flags]   (flowrs --help for every flag)',
    ]);
  });

  it('an unknown flag exits 2 naming it', async () => {
    const { code, stderr } = await flowrs(['--bogus']);
    assert.equal(code, 2);
    assert.match(stderr, /^flowrs: invalid configuration: .*'--bogus'/m);
  });

  it('a TLS certificate without its key exits 2 naming the variable to fix, before any venue is contacted', async () => {
    const { code, stderr } = await flowrs(['start'], {
      FLOWRS_TLS_CERT: '/nonexistent/cert.pem',
      FLOWRS_LISTEN: '127.0.0.1:0',
      FLOWRS_EXCHANGES: 'binance',
      FLOWRS_BINANCE_WS_URL: 'ws://127.0.0.1:9',
      FLOWRS_BINANCE_REST_URL: 'http://127.0.0.1:9',
    });
    assert.equal(code, 2);
    assert.match(stderr, /^flowrs: invalid configuration: FLOWRS_TLS_KEY: /m);
  });

  it('npm run sim -- --bogus exits 2 with the usage', async () => {
    const { code, stderr } = await run('npm', ['run', '--silent', 'sim', '--', '--bogus']);
    assert.equal(code, 2);
    assert.match(stderr, /^flowrs sim: .*'--bogus'/m);
    assert.match(stderr, /^usage: flowrs sim /m);
  });

  it('npm start -- --help prints the help and exits 0', { timeout: 180_000 }, async () => {
    // scripts/start.mjs builds dist/ first when the sources are newer, then runs the compiled command.
    const { code, stdout, stderr } = await run('npm', ['start', '--silent', '--', '--help']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^usage: flowrs \[command\] \[flags\]$/m);
    assertListsEverySetting(stdout);
  });
});
