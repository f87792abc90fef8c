import type { EventMetadata } from './port';

/** Turns the `data` of one event type from one schema version into the next. Pure. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  toVersion: number;
  upcast(data: Record<string, unknown>, metadata: EventMetadata): Record<string, unknown>;
}

interface Versioned {
  type: string;
  version: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

/**
 * The upcasters every adapter applies when it reads, so stored events keep the shape they were
 * written in and code only ever sees current versions. Chains: 1 → 2 → 3.
 */
export class Upcasters {
  private readonly byKey = new Map<string, Upcaster>();

  register(upcaster: Upcaster): this {
    if (upcaster.toVersion <= upcaster.fromVersion) {
      throw new Error(`Upcaster for ${upcaster.type} must raise the version (${upcaster.fromVersion} → ${upcaster.toVersion})`);
    }
    const key = keyOf(upcaster.type, upcaster.fromVersion);
    if (this.byKey.has(key)) throw new Error(`Two upcasters for ${upcaster.type} version ${upcaster.fromVersion}`);
    this.byKey.set(key, upcaster);
    return this;
  }

  /** `type@version` of every stored version an upcaster applies to. */
  keys(): string[] {
    return [...this.byKey.keys()];
  }

  /** The event at its newest known version; the same object when nothing applies. */
  upcast<E extends Versioned>(event: E): E {
    let current = event;
    for (let upcaster = this.byKey.get(keyOf(current.type, current.version)); upcaster; ) {
      current = { ...current, version: upcaster.toVersion, data: upcaster.upcast(current.data, current.metadata) };
      upcaster = this.byKey.get(keyOf(current.type, current.version));
    }
    return current;
  }
}

function keyOf(type: string, version: number): string {
  return `${type}@${version}`;
}
