/** One named error class per failure, each with a stable code (the nats.js / ws pattern). */

/** A REST request answered with a non-2xx status. */
export class VenueHttpError extends Error {
  readonly code = 'FLOWRS_VENUE_HTTP';
  constructor(
    readonly status: number,
    readonly url: string,
    readonly retryAfterMs: number | undefined,
    readonly body: string,
  ) {
    super(`HTTP ${status} from ${url}: ${body.slice(0, 200)}`);
    this.name = 'VenueHttpError';
  }

  /** 429 (over the limit) or 418 (banned): the whole venue must back off. */
  get isRateLimit(): boolean {
    return this.status === 429 || this.status === 418;
  }

  /** Binance's `{"code":-1121,"msg":"Invalid symbol."}`: asking again cannot help. */
  get isInvalidSymbol(): boolean {
    return this.status === 400 && /"code"\s*:\s*-1121\b/.test(this.body);
  }
}

/** A body that is not what the venue documents. */
export class VenueResponseError extends Error {
  readonly code = 'FLOWRS_VENUE_RESPONSE';
  constructor(message: string) {
    super(message);
    this.name = 'VenueResponseError';
  }
}

/** The venue refused a subscription (`success:false`). */
export class SubscriptionRejectedError extends Error {
  readonly code = 'FLOWRS_SUBSCRIPTION_REJECTED';
  constructor(
    readonly topic: string,
    readonly venueMessage: string,
  ) {
    super(`subscription to ${topic} refused: ${venueMessage}`);
    this.name = 'SubscriptionRejectedError';
  }
}

/** Work abandoned because the connector stopped. */
export class ConnectorStoppedError extends Error {
  readonly code = 'FLOWRS_CONNECTOR_STOPPED';
  constructor() {
    super('connector stopped');
    this.name = 'ConnectorStoppedError';
  }
}
