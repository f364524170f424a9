/** A venue's REST rate-limit fault (`SimVenue.rateLimitNext`): the next requests get its rate-limit answer. */
export class RestRateLimit {
  private remaining = 0;

  /** The next `count` REST requests are answered with the venue's rate-limit response. */
  limitNext(count: number): void {
    this.remaining += count;
  }

  /** True when this request must get the rate-limit response (it uses up one). */
  limits(): boolean {
    if (this.remaining <= 0) return false;
    this.remaining--;
    return true;
  }
}
