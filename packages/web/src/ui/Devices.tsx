import { useEffect, useState } from "preact/hooks";
import type { DeviceInfo } from "@parley/protocol";
import type { Controller } from "../app/controller.js";

type Row = DeviceInfo & { current: boolean };

/** This account's devices; any but this one can be revoked (members then remove it everywhere). */
export function Devices({ controller, deviceId, onClose }: { controller: Controller; deviceId: string | null; onClose: () => void }) {
  const [devices, setDevices] = useState<Row[] | null>(null);
  const load = () => void controller.act(() => controller.devices()).then((d) => setDevices(d ?? []));
  useEffect(load, [deviceId]);
  return (
    <section class="card devices" aria-labelledby="devices-title">
      <h1 id="devices-title">Your devices</h1>
      {!devices ? (
        <p class="hint">Loading…</p>
      ) : (
        <table>
          <caption class="visually-hidden">Devices of this account</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Added</th>
              <th scope="col">State</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {devices.map((d) => (
              <tr key={d.deviceId}>
                <td>
                  {d.name} {d.current && <strong>(this browser)</strong>}
                  <div class="hint mono">{d.deviceId}</div>
                </td>
                <td>{new Date(d.createdAt).toLocaleString()}</td>
                <td>{d.revokedAt ? "revoked" : "active"}</td>
                <td>
                  {!d.current && !d.revokedAt && (
                    <button type="button" class="danger" onClick={() => void controller.revokeDevice(d.deviceId).then(load)} aria-label={`Revoke ${d.name} ${d.deviceId}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" onClick={onClose}>
        Back
      </button>
    </section>
  );
}
