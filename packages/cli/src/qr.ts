import QRCode from "qrcode";

/** Draws a QR code with Unicode half blocks, small enough for an 80x24 terminal. */
export function renderQr(payload: string): Promise<string> {
  return QRCode.toString(payload, { type: "terminal", small: true, errorCorrectionLevel: "M" });
}
