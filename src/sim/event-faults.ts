/**
 * Per-symbol delivery faults for a venue's event stream. The venue computes each event exactly as the
 * real one would (ids advance, the true book moves); these decide what subscribers actually receive.
 */
export class EventFaults {
  private readonly withhold = new Map<string, number>();
  private readonly duplicate = new Map<string, number>();
  private readonly reorderArmed = new Set<string>();
  private readonly held = new Map<string, () => void>();

  /** The next `count` events of `symbol` are never sent: a sequence gap. */
  withholdNext(symbol: string, count = 1): void {
    this.withhold.set(symbol, (this.withhold.get(symbol) ?? 0) + count);
  }

  /** The next `count` events of `symbol` are sent twice. */
  duplicateNext(symbol: string, count = 1): void {
    this.duplicate.set(symbol, (this.duplicate.get(symbol) ?? 0) + count);
  }

  /** The next two events of `symbol` are sent in swapped order. */
  reorderNext(symbol: string): void {
    this.reorderArmed.add(symbol);
  }

  /** Delivers one event of `symbol` through the armed faults. */
  deliver(symbol: string, send: () => void): void {
    const withheld = this.withhold.get(symbol) ?? 0;
    if (withheld > 0) {
      this.withhold.set(symbol, withheld - 1);
      return;
    }
    if (this.reorderArmed.delete(symbol)) {
      this.held.set(symbol, send);
      return;
    }
    send();
    const duplicates = this.duplicate.get(symbol) ?? 0;
    if (duplicates > 0) {
      this.duplicate.set(symbol, duplicates - 1);
      send();
    }
    const late = this.held.get(symbol);
    if (late) {
      this.held.delete(symbol);
      late();
    }
  }
}
