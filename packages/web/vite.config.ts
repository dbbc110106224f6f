import { defineConfig } from "vite";

// Preact's JSX runtime via esbuild (no plugin needed). Assets get content hashes, so the server can
// mark them immutable; index.html stays the only file served with no-cache.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    target: "es2022",
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    // The OPAQUE wasm is large; inlining it keeps the CSP simple (no separate fetch), and we report size instead.
    chunkSizeWarningLimit: 2048,
    modulePreload: { polyfill: false },
    rollupOptions: {
      // @hpke (under ts-mls) has /* @__PURE__ */ comments Rollup cannot place: harmless, dropped.
      onwarn(warning, warn) {
        if (warning.code === "INVALID_ANNOTATION") return;
        warn(warning);
      },
    },
  },
});
