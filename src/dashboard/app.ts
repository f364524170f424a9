/**
 * The FlowRS dashboard: a reference client that uses nothing but FlowRS's public WebSocket protocol.
 * State lives in FlowrsClient; rendering happens at most once per animation frame, touching only text.
 */
import { bookKeyOf, type ClientStatus, FlowrsClient } from '../client/flowrs-client.js';
import { decimalSub } from '../core/decimal.js';
import type { Metrics, OrderBookView, ServerMessage, TradeMessage } from '../server/protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const HISTORY = 120;
/** One colour per venue, in the order the server lists them (its VENUES order). */
const VENUE_COLORS = ['#f0b90b', '#f7a600', '#58a6ff', '#2354e6', '#00c2b2', '#97fce4', '#d2a8ff', '#ff7b72'];

const latency: { p50: number; p99: number }[] = [];
let selected = new URLSearchParams(location.search).get('symbol') ?? '';
let dirty = true;
let newTrades: TradeMessage[] = [];

/**
 * A server with tokens is opened as `/#token=…`: a fragment is never sent to a server (so never in its
 * logs), and the page hands it to the WebSocket as `?token=`, the one way a browser can send it there.
 */
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/${token ? `?token=${encodeURIComponent(token)}` : ''}`;
const client = new FlowrsClient(wsUrl, {
  keepTrades: 50,
  reconnectMinMs: 250,
  reconnectMaxMs: 5_000,
  onStatus: renderConnection,
  onMessage: (message: ServerMessage) => {
    if (message.type === 'metrics')
      latency.push({ p50: message.processingLatencyUs.p50, p99: message.processingLatencyUs.p99 });
    if (latency.length > HISTORY) latency.shift();
    if (message.type === 'trade') newTrades.push(message);
    schedule();
  },
});
// Exposed for tests and for curious people at the console.
(window as unknown as { flowrs: FlowrsClient }).flowrs = client;

function schedule(): void {
  dirty = true;
}

function loop(): void {
  if (dirty) {
    dirty = false;
    render();
  }
  requestAnimationFrame(loop);
}
requestAnimationFrame(loop);
// Ages keep moving even when nothing arrives.
setInterval(schedule, 500);

function renderConnection(status: ClientStatus): void {
  const el = $('connection');
  el.dataset.state = status.type;
  el.textContent =
    status.type === 'open'
      ? 'connected'
      : status.type === 'reconnecting'
        ? `reconnecting in ${(status.delayMs / 1000).toFixed(1)} s`
        : status.type;
}

/** A book's canonical instrument (`BTC-USDT`), or its own symbol until the venue's list has told. */
const instrumentOf = (view: OrderBookView) => view.instrument ?? view.symbol;

/** The instruments on offer, each once, whatever each venue calls it. */
function symbols(): string[] {
  const count = new Map<string, number>();
  for (const v of client.books.values()) count.set(instrumentOf(v), (count.get(instrumentOf(v)) ?? 0) + 1);
  // The instruments most venues list first: the consolidated view has the most to show there.
  return [...count.keys()].sort((a, b) => count.get(b)! - count.get(a)! || a.localeCompare(b));
}

/** Venues in the order the server lists them (its metrics name every connected venue; books add any other). */
function venues(): string[] {
  return [
    ...new Set([...Object.keys(client.metrics?.perVenue ?? {}), ...[...client.books.values()].map((b) => b.exchange)]),
  ];
}

function venueColor(exchange: string): string {
  const i = venues().indexOf(exchange);
  return VENUE_COLORS[(i < 0 ? 0 : i) % VENUE_COLORS.length];
}

function venueTag(exchange: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.className = 'venue';
  span.dataset.venue = exchange;
  span.style.setProperty('--venue-color', venueColor(exchange));
  span.textContent = exchange;
  return span;
}

function render(): void {
  $('simulated').hidden = !client.simulated;
  renderVenues();
  renderSymbolPicker();
  renderLadders();
  renderBooks();
  renderTrades();
  renderHealth();
}

function renderSymbolPicker(): void {
  const picker = $<HTMLSelectElement>('symbol');
  const list = symbols();
  if (picker.options.length !== list.length) {
    picker.replaceChildren(...list.map((s) => new Option(s, s)));
    picker.onchange = () => {
      selected = picker.value;
      schedule();
    };
  }
  if (!list.includes(selected) && list.length > 0) selected = list[0];
  picker.value = selected;
  $('compare-symbol').textContent = selected;
}

function age(view: OrderBookView): string {
  if (view.timestamp <= 0) return '—';
  const ms = Date.now() - view.timestamp;
  return ms < 1_000 ? `${Math.max(0, ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function spread(view: OrderBookView): string {
  return view.bestBid !== null && view.bestAsk !== null ? decimalSub(view.bestAsk, view.bestBid) : '—';
}

function cell(text: string, className = ''): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function badge(status: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.className = 'badge';
  span.dataset.status = status;
  span.textContent = status;
  return span;
}

/** Each venue's connection state at a glance, with the cause when one is down. */
function renderVenues(): void {
  const m = client.metrics;
  if (!m) return;
  $('venues').replaceChildren(
    ...Object.entries(m.perVenue).map(([exchange, v]) => {
      const item = venueTag(exchange);
      const state = document.createElement('span');
      state.className = 'badge';
      state.dataset.status =
        v.connection.state === 'open' ? 'live' : v.connection.state === 'none' ? 'stale' : 'resyncing';
      state.textContent =
        v.connection.state === 'open' ? `${v.connection.open}/${v.connection.total} open` : v.connection.state;
      item.append(' ', state);
      item.dataset.connection = v.connection.state;
      if (v.connection.detail) item.title = `${v.connection.reason}: ${v.connection.detail}`;
      return item;
    }),
    ...(m.bus ? [busTag(m.bus)] : []),
  );
}

/** The distributed roles' NATS connection, beside the venues: books come through it. */
function busTag(bus: NonNullable<Metrics['bus']>): HTMLElement {
  const item = document.createElement('span');
  item.className = 'venue';
  item.dataset.bus = bus.state;
  item.textContent = 'NATS ';
  const state = document.createElement('span');
  state.className = 'badge';
  state.dataset.status = bus.state === 'open' ? 'live' : 'resyncing';
  state.textContent = bus.state === 'open' ? 'open' : `${bus.state}${bus.detail ? ` (${bus.detail})` : ''}`;
  item.append(state);
  item.title = `NATS: ${bus.state}, ${bus.reconnections} reconnections`;
  return item;
}

function renderLadders(): void {
  const views = [...client.books.values()].filter((v) => instrumentOf(v) === selected);
  // Best bid and ask across venues, compared numerically (display only; the strings are shown as sent).
  const live = views.filter((v) => v.status === 'live');
  const bestBid = live.reduce<OrderBookView | undefined>(
    (b, v) => (v.bestBid !== null && (!b || Number(v.bestBid) > Number(b.bestBid)) ? v : b),
    undefined,
  );
  const bestAsk = live.reduce<OrderBookView | undefined>(
    (b, v) => (v.bestAsk !== null && (!b || Number(v.bestAsk) < Number(b.bestAsk)) ? v : b),
    undefined,
  );
  const maxQty = Math.max(1e-18, ...views.flatMap((v) => [...v.bids, ...v.asks].map((l) => Number(l.quantity))));
  $('ladders').replaceChildren(
    ...views.map((view) => {
      const box = document.createElement('div');
      box.className = 'ladder';
      box.dataset.book = bookKeyOf(view);
      box.dataset.sequence = String(view.sequence);
      const title = document.createElement('h3');
      title.append(venueTag(view.exchange), badge(view.status));
      const summary = document.createElement('div');
      summary.className = 'summary';
      summary.textContent = `${view.symbol} · spread ${spread(view)} (${view.spreadBps?.toFixed(2) ?? '—'} bps) · age ${age(view)}${view.reason ? ` · ${view.reason}` : ''}`;
      const table = document.createElement('table');
      const row = (side: 'bid' | 'ask', price: string, quantity: string, best: boolean) => {
        const tr = document.createElement('tr');
        tr.className = `level ${side}${best ? ' best-across' : ''}`;
        const bar = document.createElement('span');
        bar.className = 'bar';
        bar.style.width = `${Math.min(100, (Number(quantity) / maxQty) * 100)}%`;
        const qty = cell(quantity, 'num');
        qty.append(bar);
        tr.append(cell(price, 'num price'), qty);
        return tr;
      };
      const asks = [...view.asks]
        .reverse()
        .map((l) => row('ask', l.price, l.quantity, view === bestAsk && l.price === view.bestAsk));
      const mid = document.createElement('tr');
      mid.className = 'mid-row';
      const midCell = cell(`${view.bestBid ?? '—'} / ${view.bestAsk ?? '—'}`);
      midCell.colSpan = 2;
      mid.append(midCell);
      const bids = view.bids.map((l) => row('bid', l.price, l.quantity, view === bestBid && l.price === view.bestBid));
      table.append(...asks, mid, ...bids);
      box.append(title, summary, table);
      return box;
    }),
    consolidatedLadder(maxQty),
  );
}

/** Both venues merged by price (FlowrsClient#consolidated): summed quantities and who quotes each level. */
function consolidatedLadder(maxQty: number): HTMLDivElement {
  const view = client.consolidated(selected);
  const box = document.createElement('div');
  box.className = 'ladder consolidated';
  box.dataset.book = `consolidated:${selected}`;
  const title = document.createElement('h3');
  title.append('consolidated', badge(view.status));
  const summary = document.createElement('div');
  summary.className = 'summary';
  summary.textContent = `${view.crossed ? 'crossed' : 'spread'} ${view.spreadBps?.toFixed(2) ?? '—'} bps · ${view.sources
    .filter((s) => s.included)
    .map((s) => s.exchange)
    .join(' + ')}`;
  const left = view.sources.filter((s) => !s.included).map((s) => `${s.exchange} ${s.status}`);
  if (left.length > 0) summary.textContent += ` · left out: ${left.join(', ')}`;
  const row = (side: 'bid' | 'ask', level: (typeof view.bids)[number]) => {
    const tr = document.createElement('tr');
    tr.className = `level ${side}`;
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${Math.min(100, (Number(level.quantity) / (2 * maxQty)) * 100)}%`;
    const qty = cell(level.quantity, 'num');
    qty.append(bar);
    const who = cell('', 'venues');
    who.title = level.venues.map((v) => `${v.exchange} ${v.quantity}`).join('\n');
    for (const [i, v] of level.venues.entries()) who.append(...(i > 0 ? ['+'] : []), venueTag(v.exchange));
    tr.append(cell(level.price, 'num price'), qty, who);
    return tr;
  };
  const mid = document.createElement('tr');
  mid.className = 'mid-row';
  const midCell = cell(`${view.bestBid?.price ?? '—'} / ${view.bestAsk?.price ?? '—'}`);
  midCell.colSpan = 3;
  mid.append(midCell);
  const table = document.createElement('table');
  table.append(...[...view.asks].reverse().map((l) => row('ask', l)), mid, ...view.bids.map((l) => row('bid', l)));
  box.append(title, summary, table);
  return box;
}

function renderBooks(): void {
  const rows = [...client.books.values()]
    .sort((a, b) => a.symbol.localeCompare(b.symbol) || a.exchange.localeCompare(b.exchange))
    .map((view) => {
      const tr = document.createElement('tr');
      tr.dataset.book = bookKeyOf(view);
      tr.dataset.sequence = String(view.sequence);
      tr.dataset.status = view.status;
      const status = document.createElement('td');
      status.append(badge(view.status));
      const venue = document.createElement('td');
      venue.append(venueTag(view.exchange));
      tr.append(
        venue,
        cell(view.symbol),
        status,
        cell(view.bestBid ?? '—', 'num best-bid'),
        cell(view.bestAsk ?? '—', 'num best-ask'),
        cell(spread(view), 'num spread'),
        cell(view.spreadBps?.toFixed(2) ?? '—', 'num'),
        cell(age(view), 'num'),
        cell(String(view.sequence), 'num'),
      );
      return tr;
    });
  $('book-rows').replaceChildren(...rows);
}

function renderTrades(): void {
  if (newTrades.length === 0 && $('trade-rows').childElementCount > 0) return;
  newTrades = [];
  $('trade-rows').replaceChildren(
    ...client.trades.slice(0, 30).map((t) => {
      const tr = document.createElement('tr');
      tr.dataset.trade = `${t.exchange}:${t.tradeId}`;
      tr.append(
        cell(new Date(t.timestamp).toISOString().slice(11, 23)),
        cell(t.exchange),
        cell(t.symbol),
        cell(t.side, `side-${t.side}`),
        cell(t.price, 'num'),
        cell(t.quantity, 'num'),
      );
      return tr;
    }),
  );
}

function renderHealth(): void {
  const m = client.metrics;
  if (!m) return;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const figures: [string, string][] = [
    ...Object.entries(m.perVenue).map(([venue, v]): [string, string] => [
      `${venue} msgs/s`,
      v.messagesPerSec.toFixed(0),
    ]),
    [
      'processing p50 / p95 / p99',
      `${m.processingLatencyUs.p50.toFixed(1)} / ${m.processingLatencyUs.p95.toFixed(1)} / ${m.processingLatencyUs.p99.toFixed(1)} µs`,
    ],
    ['event-loop lag p99', `${m.eventLoopDelayMs.p99.toFixed(1)} ms`],
    ['memory (RSS)', mib(m.memory.rssBytes)],
    ['CPU', `${m.cpuPercent.toFixed(0)} %`],
    ['reconnections', String(m.reconnections)],
    ['resyncs', String(m.resyncs)],
    ['clients', `${m.clients}${m.laggingClients > 0 ? ` (${m.laggingClients} lagging)` : ''}`],
    ['books on demand', String(m.onDemandBooks)],
    ['refused handshakes', String(Object.values(m.rejectedHandshakes).reduce((a, b) => a + b, 0))],
  ];
  $('health-figures').replaceChildren(
    ...figures.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dd.dataset.figure = k;
      return [dt, dd];
    }),
  );
  drawChart();
}

function drawChart(): void {
  const canvas = $<HTMLCanvasElement>('latency-chart');
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  if (latency.length < 2) return;
  const max = Math.max(1, ...latency.map((l) => l.p99)) * 1.1;
  const x = (i: number) => (i / (HISTORY - 1)) * width;
  const y = (v: number) => height - (v / max) * (height - 14) - 2;
  for (const [key, color] of [
    ['p50', '#58a6ff'],
    ['p99', '#ff7b72'],
  ] as const) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    latency.forEach((l, i) => {
      const px = x(HISTORY - latency.length + i);
      if (i === 0) ctx.moveTo(px, y(l[key]));
      else ctx.lineTo(px, y(l[key]));
    });
    ctx.stroke();
  }
  ctx.fillStyle = '#8b949e';
  ctx.font = '11px monospace';
  ctx.fillText(`${max.toFixed(0)} µs`, 4, 11);
}
