import { EVENT_BYTES, EventField, EventKind } from './layout.js';
import { LiveTable } from './live-table.js';

/** What the server knows about one device. */
export interface DeviceTotals {
  /** Bytes allocated or registered and not yet freed. */
  readonly liveBytes: number;
  /** The highest liveBytes has been. */
  readonly peakLiveBytes: number;
  /** Allocations and registrations not yet freed. */
  readonly liveAllocations: number;
  readonly allocs: number;
  readonly frees: number;
  readonly registers: number;
  /** Frees of an id this device never had live (double frees, frees whose alloc was dropped). */
  readonly unknownFrees: number;
}

class DeviceState {
  /** Live id → bytes: a free carries no size, so the server remembers it. */
  readonly live = new LiveTable();
  liveBytes = 0;
  peakLiveBytes = 0;
  allocs = 0;
  frees = 0;
  registers = 0;
  unknownFrees = 0;

  add(id: number, bytes: number): void {
    // An alloc of an id that is still live replaces it: the free in between was lost.
    const previous = this.live.set(id, bytes);
    if (previous !== undefined) this.liveBytes -= previous;
    this.liveBytes += bytes;
    if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
  }

  remove(id: number): void {
    const bytes = this.live.delete(id);
    if (bytes === undefined) {
      this.unknownFrees++;
      return;
    }
    this.liveBytes -= bytes;
  }

  totals(): DeviceTotals {
    return {
      liveBytes: this.liveBytes,
      peakLiveBytes: this.peakLiveBytes,
      liveAllocations: this.live.size,
      allocs: this.allocs,
      frees: this.frees,
      registers: this.registers,
      unknownFrees: this.unknownFrees,
    };
  }
}

/** Per-device totals, built from the events of every client. */
export class DeviceLedger {
  private readonly devices = new Map<number, DeviceState>();

  /** The first event whose kind is unknown, as an index, or -1: checked before any is applied. */
  static findBadEvent(events: Buffer, count: number): number {
    const view = new DataView(events.buffer, events.byteOffset, events.byteLength);
    for (let index = 0; index < count; index++) {
      const kind = view.getUint32(index * EVENT_BYTES + EventField.KIND, true);
      if (kind !== EventKind.ALLOC && kind !== EventKind.FREE && kind !== EventKind.REGISTER)
        return index;
    }
    return -1;
  }

  /** Applies `count` events laid end to end (already checked with findBadEvent). */
  apply(events: Buffer, count: number): void {
    // DataView, not Buffer's read methods: V8 compiles its reads to single loads.
    const view = new DataView(events.buffer, events.byteOffset, events.byteLength);
    let deviceId = -1;
    let device: DeviceState | undefined;
    for (let index = 0; index < count; index++) {
      const base = index * EVENT_BYTES;
      const kind = view.getUint32(base + EventField.KIND, true);
      const eventDevice = view.getUint32(base + EventField.DEVICE, true);
      // Runs of events on one device are common: look the device up only when it changes.
      if (eventDevice !== deviceId || device === undefined) {
        deviceId = eventDevice;
        device = this.device(eventDevice);
      }
      const id = view.getFloat64(base + EventField.ID, true);
      if (kind === EventKind.FREE) {
        device.frees++;
        device.remove(id);
        continue;
      }
      if (kind === EventKind.ALLOC) device.allocs++;
      else device.registers++;
      device.add(id, view.getFloat64(base + EventField.BYTES, true));
    }
  }

  /** Totals per device id, as a plain object. */
  snapshot(): Record<string, DeviceTotals> {
    const totals: Record<string, DeviceTotals> = {};
    for (const [device, state] of [...this.devices].sort(([a], [b]) => a - b))
      totals[device] = state.totals();
    return totals;
  }

  private device(id: number): DeviceState {
    let state = this.devices.get(id);
    if (state === undefined) {
      state = new DeviceState();
      this.devices.set(id, state);
    }
    return state;
  }
}
