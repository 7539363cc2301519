// Vitest configuration for the browser tests in e2e/: they drive headless Chromium with playwright-core against
// a running server and `vite preview` (see scripts/web-test), so they are kept out of `npm test`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // expect.poll waits 1 s by default: on a 2-core machine busy with other builds, a tap's save (the change, the
    // IndexedDB write, the page rebuilt) once took longer and a browser test failed with nothing wrong but the wait.
    // A tap that is really lost still fails, after 10 s.
    expect: { poll: { timeout: 10_000 } },
  },
});
