/**
 * The device family: the host's device token, else the device class (OS family, device type,
 * browser family and model, never versions) against the devices this account used before.
 */
import type { DeviceFacts } from '../../types/index.js';
import { isoTime as iso } from '../../util/iso-time.js';
import type { Policy } from '../policy.js';
import type { Login, Signal, Subject } from './types.js';

export function deviceSignals(subject: Subject, login: Login, policy: Policy, out: Signal[]): void {
  const { device } = login;
  const w = policy.weights;
  if (!device) {
    out.push({ code: 'device_unavailable', logLR: 0, text: { key: 'device_unavailable', params: {} } });
    return;
  }
  const known = subject.history.profile?.devices ?? [];
  if (known.length === 0) return; // no history: nothing to compare with (reported once as no_history)

  const byToken = device.fromToken ? known.find((record) => record.key === device.key) : undefined;
  if (byToken) {
    out.push({
      code: byToken.vouched ? 'vouched_device' : 'known_device',
      logLR: byToken.vouched ? w.vouched_device : w.known_device,
      text: byToken.vouched ? { key: 'vouched_device', params: {} } : { key: 'known_device', params: {} },
      details: { lastSeen: iso(byToken.lastSeen) },
    });
    return;
  }
  const sameClass = known.find((record) => sameDeviceClass(record, device));
  if (sameClass && !device.fromToken) {
    out.push({
      code: 'known_device_class',
      logLR: w.known_device_class,
      text: { key: 'known_device_class', params: { device: describe(device) } },
      details: { class: device.classKey, lastSeen: iso(sameClass.lastSeen) },
    });
    return;
  }
  out.push({
    code: 'new_device',
    logLR: sameClass ? w.new_device_known_class : w.new_device,
    text: { key: sameClass ? 'new_device.known_class' : 'new_device', params: { device: describe(device) } },
    details: { class: device.classKey, tokenGiven: device.fromToken },
  });
  const familiar = known.some((record) => record.osFamily === device.osFamily && record.deviceType === device.deviceType);
  if (!familiar) {
    const before = [...new Set(known.map((record) => `${record.osFamily ?? 'unknown OS'} ${record.deviceType}`))].join(', ');
    const beforeClasses = [...new Set(known.map((record) => `${record.osFamily ?? ''}|${record.deviceType}`))];
    out.push({
      code: 'device_class_change',
      logLR: w.device_class_change,
      text: { key: 'device_class_change', params: { now: `${device.osFamily ?? ''}|${device.deviceType}`, before: beforeClasses } },
      details: { now: `${device.osFamily ?? ''}|${device.deviceType}`, before },
    });
  }
}

function sameDeviceClass(record: { classKey: string }, device: DeviceFacts): boolean {
  // classKey holds os|type|browser; the model only counts when both sides know it (reduced UAs hide it).
  const [recordClass, recordModel] = splitClass(record.classKey);
  const [deviceClass, deviceModel] = splitClass(device.classKey);
  return recordClass === deviceClass && (!recordModel || !deviceModel || recordModel === deviceModel);
}

function splitClass(classKey: string): [string, string] {
  const at = classKey.lastIndexOf('#');
  return at === -1 ? [classKey, ''] : [classKey.slice(0, at), classKey.slice(at + 1)];
}

function describe(device: DeviceFacts): string {
  return [device.vendor, device.model, device.osFamily, device.deviceType, device.browserFamily].filter(Boolean).join(' ');
}
