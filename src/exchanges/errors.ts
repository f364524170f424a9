/** One named error class per failure, each with a stable code (the nats.js / ws pattern). */

/** A REST request answered with a non-2xx status. */
export class VenueHttpError extends Error {
  readonly code = 'FLOWRS_VENUE_HTTP';
  constructor(
    readonly status: number,
    readonly url: string,
    readonly retryAfterMs: number | undefined,
    readonly body: string,
    /** The answer's headers (a venue may report its weight counters on errors too). */
    readonly headers?: Headers,
  ) {
    super(`HTTP ${status} from ${url}: ${body.slice(0, 200)}`);
    this.name = 'VenueHttpError';
  }

  /**
   * 429 (over the limit), 418 (banned) or 403 (the venue's web application firewall refused the IP):
   * each is about the IP, not the request, so the whole venue must back off, not one symbol.
   */
  get pausesVenue(): boolean {
    return this.status === 429 || this.status === 418 || this.status === 403;
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
