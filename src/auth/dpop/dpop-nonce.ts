import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;

/**
 * Server nonces (RFC 9449 §8) without shared state: a nonce is a time slot and its MAC under a
 * key derived from a server secret, so every instance issues and accepts the same ones. A
 * nonce is accepted in its own slot and the next, so it lives between one and two slots.
 * `secrets`: the current secret, which issues, then (while it rotates) the previous one, so
 * that instances on either accept each other's nonces.
 */
export class DpopNonces {
  private readonly keys: Buffer[];

  constructor(
    secrets: readonly string[],
    private readonly slotSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = secrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'dpop-nonce', 32)));
  }

  current(): string {
    return this.forSlot(this.slot());
  }

  isValid(nonce: unknown): boolean {
    if (typeof nonce !== 'string' || nonce.length > 64) return false;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 8 + MAC_BYTES || raw.toString('base64url') !== nonce) return false;
    const slot = Number(raw.readBigUInt64BE(0));
    const now = this.slot();
    if (slot !== now && slot !== now - 1) return false;
    return this.keys.some((key) => timingSafeEqual(raw.subarray(8), this.mac(slot, key)));
  }

  private slot(): number {
    return Math.floor(this.now() / 1000 / this.slotSeconds);
  }

  private forSlot(slot: number): string {
    const raw = Buffer.alloc(8 + MAC_BYTES);
    raw.writeBigUInt64BE(BigInt(slot), 0);
    this.mac(slot, this.keys[0]).copy(raw, 8);
    return raw.toString('base64url');
  }

  private mac(slot: number, key: Buffer): Buffer {
    const data = Buffer.alloc(8);
    data.writeBigUInt64BE(BigInt(slot), 0);
    return createHmac('sha256', key).update(data).digest().subarray(0, MAC_BYTES);
  }
}
