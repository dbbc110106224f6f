/**
 * The web app's Content-Security-Policy. Scripts only from this origin and no inline script;
 * 'wasm-unsafe-eval' lets OPAQUE's WebAssembly compile (it allows wasm, not JavaScript eval).
 * No 'unsafe-eval': @parley/protocol falls back from TypeBox's compiled checks to its interpreter
 * when eval is forbidden. connect-src 'self' covers the same-origin ws:/wss: socket.
 */
export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
