// Vite configuration for Tovholder's web app.
//
// automerge ships its core as WebAssembly. The browser entry imports the .wasm file as an ES module, which
// vite-plugin-wasm makes work; the build targets esnext so the top-level await the wasm init needs is kept
// native instead of needing another plugin. Vitest runs in Node, where automerge picks its Node entry.
//
// The service worker is a small hand-written file (sw-template.js); the plugin below fills in the list of the
// build's files, so the whole app shell, the .wasm included, is cached at install and the app opens offline.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Plugin } from "vite";
import wasm from "vite-plugin-wasm";
import { defineConfig } from "vitest/config";

function serviceWorker(): Plugin {
  return {
    name: "tovholder-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = ["./", "./index.html", "./manifest.webmanifest", "./icon.svg"];
      for (const name of Object.keys(bundle)) if (name !== "index.html") files.push(`./${name}`);
      const version = createHash("sha256").update(files.sort().join("\n")).digest("hex").slice(0, 12);
      const source = readFileSync(new URL("./sw-template.js", import.meta.url), "utf8")
        .replace("__VERSION__", version)
        .replace("__FILES__", JSON.stringify(files));
      this.emitFile({ type: "asset", fileName: "sw.js", source });
    },
  };
}

export default defineConfig({
  base: "./",
  plugins: [wasm(), serviceWorker()],
  // Two pages: the worker's app, and the citizen's check-in (served at /checkin#<token>).
  build: {
    target: "esnext",
    rollupOptions: { input: { main: "index.html", checkin: "checkin.html" } },
  },
  server: { fs: { allow: ["../.."] } },
  // Until `tovholder serve` serves dist/ itself, `vite preview` stands in and forwards the API and the sync
  // WebSocket to the server named by TOVHOLDER_API, so the app and the API share one origin (no CORS needed).
  preview: {
    port: 4173,
    proxy: { "/v1": { target: process.env.TOVHOLDER_API ?? "http://127.0.0.1:8080", ws: true, changeOrigin: true } },
  },
  test: {
    environment: "node",
    include: ["tests/**/*.test.ts"],
  },
});
