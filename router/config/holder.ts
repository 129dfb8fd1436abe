// The configuration in force, swapped atomically: readers always see one whole snapshot.
import type { RouterConfig, TenantConfig } from './compiled.ts';

export interface Snapshot {
  config: RouterConfig;
  /** Increases with every applied change. */
  revision: number;
  appliedAt: number;
}

export class ConfigHolder {
  private current: Snapshot | null = null;
  private readonly listeners: ((s: Snapshot) => void)[] = [];

  get(): Snapshot | null {
    return this.current;
  }

  /** Applies a new config; returns false (and keeps the old one) when its hash is unchanged. */
  set(config: RouterConfig, revision: number | null, now: number): boolean {
    if (this.current && this.current.config.hash === config.hash) return false;
    this.current = { config, revision: revision ?? (this.current?.revision ?? 0) + 1, appliedAt: now };
    for (const l of this.listeners) l(this.current);
    return true;
  }

  onChange(listener: (s: Snapshot) => void): void {
    this.listeners.push(listener);
  }

  /** The tenant of that name. Own keys only: names come from URLs, and `/status/constructor` is no tenant. */
  tenant(name: string): TenantConfig | undefined {
    const tenants = this.current?.config.tenants;
    return tenants && Object.hasOwn(tenants, name) ? tenants[name] : undefined;
  }
}
