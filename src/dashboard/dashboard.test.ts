import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../app/config.js';
import { Flowrs } from '../app/flowrs.js';
import { silentLogger } from '../log.js';
import type { BusSummary } from '../protocol/metrics.js';
import type { ConsolidatedBookView, OrderBookView } from '../server/protocol.js';
import { makeInstruments } from '../sim/market.js';
import { Simulator } from '../sim/simulator.js';
import { sleep, waitFor } from '../sim/test-support/wait.js';
import { launchBrowser, newContext } from './test-support/browser.js';

const ARTIFACTS = new URL('../../artifacts/', import.meta.url).pathname;

interface Row {
  book: string;
  sequence: number;
  status: string;
  bid: string;
  ask: string;
  spread: string;
}

const rows = (page: Page): Promise<Row[]> =>
  page.$$eval('#book-rows tr', (trs) =>
    trs.map((tr) => {
      const el = tr as HTMLElement;
      const text = (cls: string) => el.querySelector(`.${cls}`)?.textContent ?? '';
      return {
        book: el.dataset.book ?? '',
        sequence: Number(el.dataset.sequence),
        status: el.dataset.status ?? '',
        bid: text('best-bid'),
        ask: text('best-ask'),
        spread: text('spread'),
      };
    }),
  );

describe('the dashboard, in a real browser', () => {
  let sim: Simulator;
  let app: Flowrs;
  let browser: Browser;
  let page: Page;
  let url: string;
  const errors: string[] = [];
  const config = () =>
    loadConfig([], {
      ...sim.env(),
      FLOWRS_LISTEN: `127.0.0.1:${app?.address?.port ?? 0}`,
      FLOWRS_THROTTLE_MS: '200',
      FLOWRS_STALE_AFTER_MS: '1500',
    });

  before(async () => {
    // Every venue FlowRS has, three instruments each.
    sim = await Simulator.start({ seed: 91, instruments: makeInstruments(3) });
    sim.run(200);
    app = new Flowrs(config(), { log: silentLogger });
    await app.start();
    url = `http://127.0.0.1:${app.address!.port}/`;
    await waitFor(() => app.books.list().every((b) => b.status() === 'live'), 'every book live', 15_000);
    browser = await launchBrowser();
    page = await (await newContext(browser)).newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await sim?.stop();
  });

  it('loads with no console errors, says the data is simulated, and shows every configured book', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#book-rows tr').length === 18);
    assert.equal(await page.isVisible('#simulated'), true);
    assert.equal(await page.getAttribute('#connection', 'data-state'), 'open');
    const books = (await rows(page)).map((r) => r.book).sort();
    assert.deepEqual(
      books,
      app.books
        .list()
        .map((b) => b.key)
        .sort(),
    );
    assert.deepEqual(errors, []);
  });

  it('shows exactly what /api/orderbooks returns for the same sequence', async () => {
    sim.pause();
    const api = async () => (await (await fetch(`${url}api/orderbooks`)).json()) as OrderBookView[];
    await page.waitForTimeout(400); // let the last throttled updates out
    const views = await api();
    const bySeq = new Map(views.map((v) => [`${v.exchange}:${v.symbol}`, v]));
    await page.waitForFunction(
      (expected) =>
        [...document.querySelectorAll<HTMLElement>('#book-rows tr')].every(
          (tr) => tr.dataset.sequence === String(expected[tr.dataset.book ?? '']),
        ),
      Object.fromEntries(views.map((v) => [`${v.exchange}:${v.symbol}`, v.sequence])),
    );
    for (const row of await rows(page)) {
      const v = bySeq.get(row.book)!;
      assert.equal(row.sequence, v.sequence);
      assert.equal(row.status, v.status);
      assert.equal(row.bid, v.bestBid, `${row.book} bid`);
      assert.equal(row.ask, v.bestAsk, `${row.book} ask`);
    }
    // The side-by-side ladders: every level, exact strings.
    const ladders = await page.$$eval('.ladder:not(.consolidated)', (boxes) =>
      boxes.map((box) => ({
        book: (box as HTMLElement).dataset.book,
        bids: [...box.querySelectorAll('.level.bid')].map((tr) => [
          tr.children[0].textContent,
          tr.children[1].textContent,
        ]),
        asks: [...box.querySelectorAll('.level.ask')]
          .map((tr) => [tr.children[0].textContent, tr.children[1].textContent])
          .reverse(),
      })),
    );
    // One ladder per venue listing the instrument on show (USDT venues for BTC-USDT; Hyperliquid is BTC-USDC).
    const instrument = await page.$eval('#symbol', (el) => (el as HTMLSelectElement).value);
    const listing = (await api()).filter((v) => (v.instrument ?? v.symbol) === instrument);
    assert.equal(ladders.length, listing.length);
    assert.ok(ladders.length >= 1);
    for (const l of ladders) {
      const v = bySeq.get(l.book!)!;
      assert.deepEqual(
        l.bids,
        v.bids.map((x) => [x.price, x.quantity]),
      );
      assert.deepEqual(
        l.asks,
        v.asks.map((x) => [x.price, x.quantity]),
      );
    }
    // The consolidated ladder: the server's own merge at display depth, level by level.
    const symbol = instrument;
    const merged = (await (await fetch(`${url}api/consolidated/${symbol}?depth=5`)).json()) as ConsolidatedBookView;
    const shown = await page.$eval('.ladder.consolidated', (box) => ({
      book: (box as HTMLElement).dataset.book,
      bids: [...box.querySelectorAll('.level.bid')].map((tr) => [...tr.children].map((td) => td.textContent)),
      asks: [...box.querySelectorAll('.level.ask')].map((tr) => [...tr.children].map((td) => td.textContent)).reverse(),
    }));
    assert.equal(shown.book, `consolidated:${symbol}`);
    const expected = (levels: ConsolidatedBookView['bids']) =>
      levels.map((l) => [l.price, l.quantity, l.venues.map((v) => v.exchange).join('+')]);
    assert.equal(shown.bids.length, 5);
    assert.deepEqual(shown.bids, expected(merged.bids));
    assert.deepEqual(shown.asks, expected(merged.asks));
    sim.run(200);
  });

  it('shows every venue with its connection state, in its own colour', async () => {
    const venueIds = [...sim.venues.keys()];
    await page.waitForFunction(
      (n) => document.querySelectorAll('#venues .venue[data-connection="open"]').length === n,
      venueIds.length,
    );
    // Styles may apply a moment after the first render on a loaded machine: wait for them, then check.
    await page
      .waitForFunction(
        (n) =>
          new Set([...document.querySelectorAll('#venues .venue')].map((el) => getComputedStyle(el).color)).size === n,
        venueIds.length,
        { timeout: 10_000 },
      )
      .catch(() => undefined);
    // Queried and read in one synchronous step: the strip re-renders often, and a detached element has no style.
    const shown = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('#venues .venue')].map((el) => [
        el.dataset.venue,
        getComputedStyle(el).color,
      ]),
    );
    assert.deepEqual(
      shown.map(([v]) => v),
      venueIds,
    );
    assert.equal(
      new Set(shown.map(([, c]) => c)).size,
      venueIds.length,
      `a colour per venue: ${JSON.stringify(shown)}`,
    );
  });

  it('fits a 390 px phone: one column, nothing wider than the screen', async () => {
    const phone = await (await newContext(browser)).newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(url);
    await phone.waitForFunction(() => document.querySelectorAll('#book-rows tr').length > 0);
    await phone.waitForFunction(() => document.querySelectorAll('.ladder').length > 1);
    const widths = await phone.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      panels: [...document.querySelectorAll<HTMLElement>('.panel')].map((p) => p.getBoundingClientRect().right),
    }));
    assert.ok(widths.page <= 390, `the page is ${widths.page} px wide`);
    assert.ok(
      widths.panels.every((r) => r <= 390),
      `panels end at ${widths.panels.join(', ')}`,
    );
    await phone.screenshot({ path: `${ARTIFACTS}dashboard-phone.png`, fullPage: true });
    await phone.close();
  });

  it('changes the status badge when the venue has a gap, and when it stalls', async () => {
    sim.binance.setSnapshotDelay(1_500);
    sim.binance.faults.withholdNext('ETHUSDT');
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('tr[data-book="binance:ETHUSDT"]')?.dataset.status === 'resyncing',
      undefined,
      { timeout: 10_000 },
    );
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('tr[data-book="binance:ETHUSDT"]')?.dataset.status === 'live',
      undefined,
      { timeout: 10_000 },
    );
    sim.binance.setSnapshotDelay(0);
    sim.bybit.stall({ pong: true });
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('tr[data-book="bybit:SOLUSDT"]')?.dataset.status === 'stale',
      undefined,
      { timeout: 10_000 },
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard-stale.png`, fullPage: true });
  });

  it('keeps the trades tape moving', async () => {
    const first = () => page.getAttribute('#trade-rows tr:first-child', 'data-trade');
    await page.waitForSelector('#trade-rows tr');
    const before = await first();
    await page.waitForFunction(
      (b) => document.querySelector('#trade-rows tr:first-child')?.getAttribute('data-trade') !== b,
      before,
      { timeout: 10_000 },
    );
    assert.ok((await page.$$('#trade-rows .side-buy, #trade-rows .side-sell')).length > 0);
  });

  it('recovers by itself after FlowRS restarts', async () => {
    const port = app.address!.port;
    await app.stop();
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('#connection')?.dataset.state !== 'open',
      undefined,
      { timeout: 10_000 },
    );
    await sleep(300);
    app = new Flowrs(loadConfig([], { ...sim.env(), FLOWRS_LISTEN: `127.0.0.1:${port}`, FLOWRS_THROTTLE_MS: '200' }), {
      log: silentLogger,
    });
    await app.start();
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('#connection')?.dataset.state === 'open',
      undefined,
      { timeout: 15_000 },
    );
    await page.waitForFunction(
      () => document.querySelector<HTMLElement>('tr[data-book="binance:BTCUSDT"]')?.dataset.status === 'live',
      undefined,
      {
        timeout: 15_000,
      },
    );
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
    assert.deepEqual(
      errors.filter((e) => !e.includes('WebSocket')),
      [],
      'no console errors beyond the expected disconnect',
    );
  });
});

describe('the dashboard on a server with tokens', () => {
  let sim: Simulator;
  let app: Flowrs;
  let browser: Browser;
  before(async () => {
    sim = await Simulator.start({ seed: 93, venues: ['binance'] });
    sim.run(100);
    app = new Flowrs(
      loadConfig([], { ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0', FLOWRS_AUTH_TOKENS: 'dash token/1' }),
      { log: silentLogger },
    );
    await app.start();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await sim?.stop();
  });

  it('passes the token in the page address (#token=…) on to its WebSocket, and shows nothing without it', async () => {
    const base = `http://127.0.0.1:${app.address!.port}/`;
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${base}#token=${encodeURIComponent('dash token/1')}`);
    await page.waitForFunction((n) => document.querySelectorAll('#book-rows tr').length === n, app.books.list().length);
    assert.equal(await page.getAttribute('#connection', 'data-state'), 'open');
    assert.equal(app.server.rejectedHandshakes.unauthorized, 0);
    const without = await (await newContext(browser)).newPage();
    await without.goto(base);
    await waitFor(() => app.server.rejectedHandshakes.unauthorized > 0, 'the page without a token is refused');
    assert.equal(await without.$$eval('#book-rows tr', (trs) => trs.length), 0);
    await page.close();
    await without.close();
  });
});

describe('the dashboard of a distributed-mode node', () => {
  let sim: Simulator;
  let app: Flowrs;
  let browser: Browser;
  let bus: BusSummary = { state: 'open', reconnections: 0 };
  before(async () => {
    sim = await Simulator.start({ seed: 93, venues: ['binance'] });
    sim.run(200);
    // The hook an ingest or gateway node passes: its NATS connection as the metrics engine reads it.
    app = new Flowrs(loadConfig([], { ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0' }), {
      log: silentLogger,
      bus: () => bus,
    });
    await app.start();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await sim?.stop();
  });

  it('shows the NATS connection beside the venues, and its cause while it is down', async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`http://127.0.0.1:${app.address!.port}/`);
    await page.waitForSelector('[data-bus="open"]');
    bus = { state: 'reconnecting', reconnections: 1, detail: 'disconnected' };
    await page.waitForSelector('[data-bus="reconnecting"]');
    assert.equal(await page.textContent('[data-bus] .badge'), 'reconnecting (disconnected)');
    assert.equal(await page.textContent('[data-figure="books on demand"]'), '0');
    await page.close();
  });
});

describe('npm run demo', () => {
  it('starts the simulator and FlowRS together, prints the dashboard URL, and stops both on Ctrl-C', async () => {
    const child = spawn('npm', ['run', '--silent', 'demo'], {
      env: { ...process.env, FLOWRS_LISTEN: '127.0.0.1:0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    await waitFor(() => /Dashboard: (http:\S+)/.test(out), 'the dashboard URL', 30_000);
    const dashboard = /Dashboard: (http:\S+)/.exec(out)![1];
    const html = await (await fetch(dashboard)).text();
    assert.match(html, /<title>FlowRS<\/title>/);
    const books = (await (await fetch(`${dashboard}api/orderbooks`)).json()) as OrderBookView[];
    assert.ok(books.length >= 9 * 5, 'nine instruments on every venue (Hyperliquid lists its own)');
    const exit = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGINT');
    await exit;
    await waitFor(() => out.includes('demo stopped'), 'both stopped cleanly');
  });
});
