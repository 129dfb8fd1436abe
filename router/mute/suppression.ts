// The suppression stage as the pipeline uses it: the muters built from the config and silences in force,
// the inhibition index, and one question, `verdict(alert, flap, now)`, answered by muteAll in the fixed
// order of docs/suppression.md. Rebuilt (cheaply) whenever the config or a silence changes; the pipeline
// and the escalation re-checks ask the same object, so a re-check sees what a new alert would see.
//
// Storm mode is not wired yet (router/mute/storm.ts is ready; see issue 4).
import type { RouterConfig, TenantConfig } from '../config/compiled.ts';
import { CoverageMuter } from './coverage.ts';
import { FlappingMuter, type FlapState } from './flapping.ts';
import { InhibitionIndex, InhibitMuter } from './inhibit.ts';
import { MaintenanceMuter } from './maintenance.ts';
import { type MuteSubject, type MuteVerdict, muteAll } from './muter.ts';
import { type Silence, SilenceMuter } from './silence.ts';

export class Suppression {
  readonly inhibition: InhibitionIndex;
  private readonly inhibit: InhibitMuter;
  private tenants: Readonly<Record<string, TenantConfig>>;
  private maintenance: MaintenanceMuter;
  private coverage: CoverageMuter;
  private silence: SilenceMuter;

  constructor(config: RouterConfig, silences: Iterable<Silence> = []) {
    this.tenants = config.tenants;
    this.inhibition = new InhibitionIndex(config.tenants);
    this.inhibit = new InhibitMuter(this.inhibition);
    this.maintenance = new MaintenanceMuter(config.maintenanceWindows);
    this.coverage = new CoverageMuter(config);
    this.silence = new SilenceMuter(silences);
  }

  /** A new config: rules, windows and service levels may have changed. */
  setConfig(config: RouterConfig): void {
    this.tenants = config.tenants;
    this.inhibition.setRules(config.tenants);
    this.maintenance = new MaintenanceMuter(config.maintenanceWindows);
    this.coverage = new CoverageMuter(config);
  }

  /** The silences in force changed (created, expired, or loaded from the bucket). */
  setSilences(silences: Iterable<Silence>): void {
    this.silence = new SilenceMuter(silences);
  }

  /**
   * Whether a firing alert pages now: null, or the first verdict in the order of MUTE_REASONS. `flap` is
   * the alert's flapping state after its current change was recorded. A resolved alert is never muted.
   */
  verdict(
    alert: MuteSubject & { status: 'firing' | 'resolved' },
    flap: FlapState | null,
    now: number,
  ): MuteVerdict | null {
    const flapping = new FlappingMuter(this.tenants, () => flap);
    return muteAll([this.maintenance, this.silence, this.inhibit, this.coverage, flapping], alert, now);
  }
}
