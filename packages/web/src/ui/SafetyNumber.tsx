import QRCode from "qrcode";
import { useEffect, useState } from "preact/hooks";
import type { Controller } from "../app/controller.js";

interface Sn {
  groups: string[];
  qrPayload: string;
  verified: boolean;
  changed: boolean;
}

/** Safety number with a contact, as digits and a QR code, and the button to mark them verified. */
export function SafetyNumber({ controller, username, onClose }: { controller: Controller; username: string; onClose: () => void }) {
  const [sn, setSn] = useState<Sn | null>(null);
  const [svg, setSvg] = useState("");
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    try {
      const s = await controller.safetyNumber(username);
      setSn(s);
      setSvg(await QRCode.toString(s.qrPayload, { type: "svg", errorCorrectionLevel: "M", margin: 2, color: { dark: "#000000", light: "#ffffff" } }));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
  }, [username]);
  return (
    <section class="card safety" aria-labelledby="safety-title">
      <h2 id="safety-title">Safety number with {username}</h2>
      {error && <p role="alert" class="error">{error}</p>}
      {sn && (
        <>
          <p class="hint">
            Compare these digits with {username}'s screen (or scan the code). If they match, nobody is in the middle.
          </p>
          <p class="digits" aria-label={`Safety number: ${sn.groups.join(" ")}`}>
            {sn.groups.map((g, i) => (
              <span key={i}>{g}</span>
            ))}
          </p>
          <div class="qr" role="img" aria-label={`QR code of the safety number with ${username}`} dangerouslySetInnerHTML={{ __html: svg }} />
          <p class="verified-state" role="status">
            {sn.changed ? `${username}'s key changed: not verified.` : sn.verified ? `${username} is verified.` : `${username} is not verified yet.`}
          </p>
          <div class="row">
            {!sn.verified && !sn.changed && (
              <button type="button" class="primary" onClick={() => void controller.markVerified(username).then(load)}>
                Mark {username} as verified
              </button>
            )}
            <button type="button" onClick={onClose}>
              Close
            </button>
          </div>
        </>
      )}
    </section>
  );
}
