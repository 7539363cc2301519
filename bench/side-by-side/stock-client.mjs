// The stock automerge-repo client of the side-by-side benchmark: a `Repo` with the stock WebSocket client adapter
// and no storage (an in-memory phone, which spares it the disk writes Tovholder's phone makes), run as its own
// process so its CPU is not the harness's or the server's.
//
//   node stock-client.mjs upload URL DOCUMENTS IDS     imports DOCUMENTS (run.mjs's JSON), writes their ids to IDS
//   node stock-client.mjs download URL DOCUMENTS IDS   a fresh repo: finds every id of IDS and checks its heads
//
// It speaks the harness's line protocol, as `tov bench --pause` does: it prints `ready PHASE` once everything
// before the timed part is done and waits for a line on stdin; the timed part starts only then. The download
// prints `done PHASE SECONDS` when every document is there with exactly the heads it was built with. The upload
// cannot know when the server has stored its documents (the stock protocol has no acknowledgements): run.mjs
// watches the server's storage instead, and ends this process by closing its stdin.

import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Repo } from "@automerge/automerge-repo";
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

const [mode, url, documentsFile, idsFile] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Tells the harness where we are and waits for its line. */
async function harness(line) {
  process.stdout.write(`${line}\n`);
  await lines.next();
}

const built = JSON.parse(readFileSync(documentsFile, "utf8"));

if (mode === "upload") {
  // The documents exist on the phone before it connects: imported (their saved bytes, all three changes) into a
  // repo with no network, then the network is added and automerge-repo announces and syncs each one.
  const repo = new Repo({ network: [] });
  const ids = built.map(({ document }) => repo.import(Buffer.from(document, "base64")).documentId);
  writeFileSync(idsFile, JSON.stringify(ids));
  await harness("ready upload");
  repo.networkSubsystem.addNetworkAdapter(new BrowserWebSocketClientAdapter(url));
  // Runs until run.mjs has seen every document in the server's storage and closes stdin.
  await lines.next();
  process.exit(0);
} else if (mode === "download") {
  const ids = JSON.parse(readFileSync(idsFile, "utf8"));
  await harness("ready fresh-download");
  const started = performance.now();
  const repo = new Repo({ network: [new BrowserWebSocketClientAdapter(url)] });
  const handles = ids.map((id) => repo.find(id));
  await Promise.all(handles.map((handle) => handle.doc()));
  const seconds = (performance.now() - started) / 1000;
  handles.forEach((handle, n) => {
    const heads = handle.isReady() ? handle.heads() : [];
    if (JSON.stringify(heads) !== JSON.stringify(built[n].heads)) {
      throw new Error(`document ${ids[n]} arrived with heads ${heads}, not ${built[n].heads}`);
    }
  });
  await harness(`done fresh-download ${seconds.toFixed(3)}`);
  process.exit(0);
} else {
  throw new Error(`unknown mode ${mode}: upload or download`);
}
