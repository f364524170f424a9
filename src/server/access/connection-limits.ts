/** How many WebSocket clients are connected, in total and from each address, against the limits. */

export type Admission = { readonly type: 'admitted' } | { readonly type: 'per_ip' } | { readonly type: 'full' };

export class ConnectionLimits {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(
    readonly maxClients: number,
    readonly maxClientsPerIp: number,
  ) {}

  /** Takes a place for a client from `address` if one is free; `release` it when the connection ends. */
  admit(address: string): Admission {
    if (this.total >= this.maxClients) return { type: 'full' };
    const current = this.perAddress.get(address) ?? 0;
    if (current >= this.maxClientsPerIp) return { type: 'per_ip' };
    this.total++;
    this.perAddress.set(address, current + 1);
    return { type: 'admitted' };
  }

  release(address: string): void {
    const current = this.perAddress.get(address);
    if (current === undefined) return;
    this.total--;
    // Addresses with no client are forgotten: the map holds connected addresses only.
    if (current <= 1) this.perAddress.delete(address);
    else this.perAddress.set(address, current - 1);
  }

  get connected(): number {
    return this.total;
  }

  connectedFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }
}
