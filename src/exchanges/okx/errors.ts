/**
 * `GET /api/v5/market/books` answered without a `seqId`: such a snapshot cannot be aligned with the
 * stream ("discard any event where stream seqId is <= snapshot seqId"), so it is never used.
 */
export class OkxSnapshotUnsequencedError extends Error {
  readonly code = 'FLOWRS_OKX_SNAPSHOT_UNSEQUENCED';
  constructor(readonly instId: string) {
    super(`OKX REST order book for ${instId} has no seqId: it cannot be aligned with the books channel`);
    this.name = 'OkxSnapshotUnsequencedError';
  }
}

/** OKX answered a REST request with a non-zero `code` (its own error codes, e.g. 51001 for an unknown instId). */
export class OkxApiError extends Error {
  readonly code = 'FLOWRS_OKX_API';
  constructor(
    readonly path: string,
    readonly okxCode: string,
    readonly okxMessage: string,
  ) {
    super(`OKX ${path} answered code ${okxCode}: ${okxMessage}`);
    this.name = 'OkxApiError';
  }
}
