// Vitest configuration for the browser tests in e2e/: they drive headless Chromium with playwright-core against
// a running server and `vite preview` (see scripts/web-test), so they are kept out of `npm test`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["e2e/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 60_000, fileParallelism: false },
});
