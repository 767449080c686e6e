import type { GatewayState } from './metrics.ts';

export type HealthCheck = { healthy: true } | { healthy: false; reason: string };

/**
 * What `/healthz` answers: healthy only when the library is loaded, the gateway is ready and the
 * process is not shutting down. The composition root and the bot report into it; nothing here knows
 * Discord.
 */
export class HealthState {
  #libraryLoaded = false;
  #gateway: { state: GatewayState; code: number | undefined } = { state: 'connecting', code: undefined };
  #stopping = false;

  libraryLoaded(): void {
    this.#libraryLoaded = true;
  }

  gateway(state: GatewayState, code?: number): void {
    this.#gateway = { state, code };
  }

  stopping(): void {
    this.#stopping = true;
  }

  check(): HealthCheck {
    if (this.#stopping) return { healthy: false, reason: 'shutting down' };
    if (!this.#libraryLoaded) return { healthy: false, reason: 'library loading' };
    const { state, code } = this.#gateway;
    if (state === 'ready') return { healthy: true };
    const because = code === undefined ? '' : ` (close ${code})`;
    const words: Record<Exclude<GatewayState, 'ready'>, string> = {
      connecting: 'gateway connecting',
      reconnecting: 'gateway reconnecting',
      disconnected: 'gateway disconnected',
    };
    return { healthy: false, reason: `${words[state]}${because}` };
  }
}
