// The side-by-side benchmark (issue 13): the same 1,000 case documents uploaded to the stock
// @automerge/automerge-repo-sync-server by a stock automerge-repo client, and to Tovholder by `tov`, on SQLite
// and on PostgreSQL; then each server is restarted and a fresh device downloads all of them from it. Prints one
// table with each system's figures and the ratios stock / Tovholder.
//
//   scripts/bench-side [--cases 1000] [--runs 3] [--notes 6] [--only stock,sqlite,postgres]
//
// --notes N gives each visit a note of N synthetic sentences (6, the default, is some 400 characters, as workers
// write them); --notes 0 gives the short note of the figures before 2026-12-06 ("Benchmark visit").
// --write-cases FILE only writes the cases' JSON content to FILE (what `tov bench --cases-from` and
// `scripts/perf-sync --cases-from` read) and stops.
//
// Why it is built this way:
// - The content is the web app's: cases.ts builds every case with clients/web/src/case (bundled here by esbuild).
//   The stock client uploads those very documents; `tov bench --cases-from` rebuilds the same JSON content through
//   sync-core's edits, one change per step as a phone makes them. Only the tenant's team, the worker's id and
//   the random ids (case, contact, actor) differ: Tovholder's phone writes its own login's, of the same lengths.
// - Each client is its own process (stock-client.mjs, `tov bench`), and both stop at the edges of each timed
//   phase (`ready PHASE`, then `done PHASE` or, for the stock upload, our own check) so this harness reads the
//   server's CPU time (/proc/PID/stat, user + system) and the bytes on the wire exactly there.
// - Bytes on the wire are counted by a TCP proxy in front of each server: everything both ways, HTTP upgrade and
//   WebSocket framing included, the same for both systems. As a floor, the harness also counts what automerge's
//   own sync protocol exchanges, in memory, to bring an empty peer each document.
// - "Uploaded" means stored. Tovholder acknowledges a change only after its durable commit, so `tov` knows. The
//   stock server sends no acknowledgement: the harness polls its storage directory until every document is on
//   disk with exactly the heads it was built with (read back with automerge). The stock server writes its files
//   without fsync; Tovholder commits with SQLite's synchronous=FULL or PostgreSQL's commit.
// - The wall time is the harness's, from its go to the phase's end, for both systems alike.
// - Each server is restarted between the upload and the fresh download, so the download reads every document
//   from the server's storage, as a phone's first sync does on a server that has not had the caseload in memory
//   since (both servers drop idle documents).

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, openSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import * as Automerge from "@automerge/automerge";
import { build as esbuild } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const target = process.env.CARGO_TARGET_DIR ?? path.join(root, "target");
const TOVHOLDER = path.join(target, "release", "tovholder");
const TOV = path.join(target, "release", "tov");
const PG_URL = process.env.TOVHOLDER_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432";
const PASSWORD = "side-by-side-password";
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString());

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const CASES = option("--cases", 1000);
const RUNS = option("--runs", 1);
const NOTE_SENTENCES = option("--notes", 6);
const ONLY = args.includes("--only") ? args[args.indexOf("--only") + 1].split(",") : ["stock", "sqlite", "postgres"];

// ---- the cases -------------------------------------------------------------------------------------------

const work = mkdtempSync(path.join(tmpdir(), "tov-side-"));
await esbuild({
  entryPoints: [path.join(here, "cases.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  // Resolved at run time from this folder's node_modules: the web app's automerge version, pinned here.
  external: ["@automerge/automerge"],
  outfile: path.join(here, ".build", "cases.mjs"),
  logLevel: "warning",
});
const { build } = await import(path.join(here, ".build", "cases.mjs"));
const built = build(CASES, NOTE_SENTENCES);
const DOCUMENTS = path.join(work, "documents.json");
const CONTENTS = path.join(work, "cases.json");
writeFileSync(DOCUMENTS, JSON.stringify(built.map((c) => ({ document: Buffer.from(c.document).toString("base64"), heads: c.heads }))));
writeFileSync(CONTENTS, JSON.stringify(built.map((c) => c.content)));
if (args.includes("--write-cases")) {
  writeFileSync(args[args.indexOf("--write-cases") + 1], readFileSync(CONTENTS));
  rmSync(work, { recursive: true, force: true });
  console.error(`side-by-side: ${CASES} cases written`);
  process.exit(0);
}
const floorBytes = syncFloor(built);
console.error(`side-by-side: ${CASES} cases built (${sum(built.map((c) => c.document.length))} bytes saved), in ${work}`);

/** The bytes automerge's own sync protocol exchanges, both ways, to bring an empty peer every document. */
function syncFloor(cases) {
  let bytes = 0;
  for (const c of cases) {
    let phone = Automerge.load(c.document);
    let server = Automerge.init();
    let [phoneState, serverState] = [Automerge.initSyncState(), Automerge.initSyncState()];
    for (let quiet = false; !quiet; ) {
      quiet = true;
      let message;
      [phoneState, message] = Automerge.generateSyncMessage(phone, phoneState);
      if (message) {
        quiet = false;
        bytes += message.length;
        [server, serverState] = Automerge.receiveSyncMessage(server, serverState, message);
      }
      [serverState, message] = Automerge.generateSyncMessage(server, serverState);
      if (message) {
        quiet = false;
        bytes += message.length;
        [phone, phoneState] = Automerge.receiveSyncMessage(phone, phoneState, message);
      }
    }
  }
  return bytes;
}

// ---- measuring -------------------------------------------------------------------------------------------

function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function cpuSeconds(pid) {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function peakRssMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmHWM:"));
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** A TCP proxy to `port` that counts the bytes both ways. */
async function countingProxy(port) {
  const counted = { bytes: 0 };
  const server = createServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    client.on("data", (data) => (counted.bytes += data.length));
    upstream.on("data", (data) => (counted.bytes += data.length));
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: server.address().port, counted, close: () => server.close() };
}

/**
 * What a phase cost from now to the call of the function returned: wall time, the server's and the client's CPU
 * time, and the bytes on the wire.
 */
function measure(pid, clientPid, proxy) {
  const at = () => ({ t: performance.now(), cpu: cpuSeconds(pid), client: cpuSeconds(clientPid), bytes: proxy.counted.bytes });
  const begun = at();
  return () => {
    const ended = at();
    return {
      seconds: (ended.t - begun.t) / 1000,
      cpu: ended.cpu - begun.cpu,
      clientCpu: ended.client - begun.client,
      bytes: ended.bytes - begun.bytes,
    };
  };
}

/**
 * Runs a client that speaks the phase protocol (`ready PHASE` … `done PHASE`, each answered by a line), and
 * measures each phase named in `timed` on the server `server()` returns; `before[PHASE]`, if given, runs before
 * that phase is measured and begins; `ended[PHASE]`, if given, decides itself when that phase is over.
 */
async function drive(command, argv, env, server, proxy, timed, ended = {}, before = {}) {
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve, reject) =>
    child.on("exit", (code) => (code === 0 || code === null ? resolve() : reject(new Error(`${command} exited with ${code}`)))),
  );
  const results = {};
  let finish = null;
  for await (const line of createInterface({ input: child.stdout })) {
    const [word, phase] = line.split(" ");
    if (word === "ready") {
      if (before[phase]) await before[phase]();
      finish = timed.includes(phase) ? measure(server().pid, child.pid, proxy) : null;
      child.stdin.write("\n");
      if (ended[phase]) {
        await ended[phase]();
        results[phase] = finish();
        child.stdin.end();
      }
    } else if (word === "done") {
      if (finish) results[phase] = finish();
      child.stdin.write("\n");
    } else if (line.trim() !== "") {
      console.error(`  ${line}`);
    }
  }
  await exited;
  return results;
}

async function waitFor(what, check) {
  for (let n = 0; n < 600; n++) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`${what} did not come up in 60 s`);
}

// ---- the stock server ------------------------------------------------------------------------------------

/** Every document of `ids` in the stock server's storage, with exactly the heads it was built with. */
async function allStored(dataDir, ids) {
  const pending = new Map(ids.map((id, n) => [id, JSON.stringify(built[n].heads)]));
  while (pending.size > 0) {
    for (const [id, heads] of pending) {
      if (storedHeads(path.join(dataDir, id.slice(0, 2), id.slice(2))) === heads) pending.delete(id);
    }
    if (pending.size > 0) await sleep(20);
  }
}

/** The heads of what the stock server has written for one document (its chunks, as its storage loads them). */
function storedHeads(dir) {
  try {
    const chunks = ["snapshot", "incremental"].flatMap((kind) => {
      let names;
      try {
        names = readdirSync(path.join(dir, kind));
      } catch {
        return [];
      }
      return names.map((name) => readFileSync(path.join(dir, kind, name)));
    });
    if (chunks.length === 0) return null;
    return JSON.stringify(Automerge.getHeads(Automerge.load(Buffer.concat(chunks))));
  } catch {
    // A chunk being replaced while we read it: look again next round.
    return null;
  }
}

/** Starts the stock server on `port` with its storage in `dir`/data, and waits until it listens. */
async function startStock(dir, port) {
  const server = spawn(process.execPath, [path.join(here, "node_modules/@automerge/automerge-repo-sync-server/src/index.js")], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), DATA_DIR: path.join(dir, "data") },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let listening = false;
  server.stdout.on("data", (data) => (listening ||= data.toString().includes("Listening")));
  await waitFor("the stock sync server", () => listening);
  return server;
}

async function stopped(server) {
  const exited = new Promise((resolve) => server.on("exit", resolve));
  server.kill("SIGTERM");
  await exited;
}

async function stock() {
  const dir = mkdtempSync(path.join(work, "stock-"));
  const port = await freePort();
  let server = await startStock(dir, port);
  const proxy = await countingProxy(port);
  const url = `ws://127.0.0.1:${proxy.port}`;
  const ids = path.join(dir, "ids.json");
  const client = (mode) => [path.join(here, "stock-client.mjs"), mode, url, DOCUMENTS, ids];
  const upload = await drive(process.execPath, client("upload"), {}, () => server, proxy, ["upload"], {
    upload: () => allStored(path.join(dir, "data"), JSON.parse(readFileSync(ids, "utf8"))),
  });
  let rss = peakRssMiB(server.pid);
  await stopped(server);
  server = await startStock(dir, port);
  const download = await drive(process.execPath, client("download"), {}, () => server, proxy, ["fresh-download"]);
  rss = Math.max(rss, peakRssMiB(server.pid));
  await stopped(server);
  proxy.close();
  return { upload: upload.upload, download: download["fresh-download"], rss };
}

// ---- Tovholder -------------------------------------------------------------------------------------------

async function tovholder(backend) {
  const dir = mkdtempSync(path.join(work, `tovholder-${backend}-`));
  const database = `tov_side_${process.pid}_${Date.now()}`;
  const url = backend === "sqlite" ? `sqlite:${path.join(dir, "tovholder.db")}` : `${PG_URL}/${database}`;
  if (backend === "postgres") psql(`CREATE DATABASE "${database}"`);
  const port = await freePort();
  const log = openSync(path.join(dir, "tovholder.log"), "w");
  const start = async () => {
    // Only one demo case: the fresh phone's caseload is then (almost) exactly the uploaded cases.
    const started = spawn(TOVHOLDER, ["serve", "--demo", "--demo-scale", "1", "--database-url", url, "--listen", `127.0.0.1:${port}`], {
      env: {
        ...process.env,
        TOVHOLDER_DEMO_PASSWORD: PASSWORD,
        TOVHOLDER_JWT_SECRET: "side-by-side-signing-secret-of-at-least-32-bytes",
        // Both phones log in from 127.0.0.1; the throttle of public routes is not what is measured.
        TOVHOLDER_PUBLIC_REQUESTS_PER_MINUTE: "0",
      },
      stdio: ["ignore", log, log],
    });
    await waitFor("tovholder", async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok);
    return started;
  };
  let server = await start();
  try {
    const proxy = await countingProxy(port);
    const bench = ["bench", "--server", `http://127.0.0.1:${proxy.port}`, "--devices", "1", "--cases-from", CONTENTS];
    bench.push("--fresh-device", "--pause", "--dir", path.join(dir, "phones"));
    let rss = 0;
    const restart = async () => {
      rss = peakRssMiB(server.pid);
      await stopped(server);
      server = await start();
    };
    const phases = await drive(TOV, bench, { TOV_PASSWORD: PASSWORD }, () => server, proxy, ["upload", "fresh-download"], {}, {
      "fresh-download": restart,
    });
    rss = Math.max(rss, peakRssMiB(server.pid));
    proxy.close();
    return { upload: phases.upload, download: phases["fresh-download"], rss };
  } finally {
    await stopped(server);
    if (backend === "postgres") psql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
}

function psql(sql) {
  execFileSync("psql", [`${PG_URL}/postgres`, "-q", "-c", sql], { stdio: ["ignore", "ignore", "inherit"] });
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---- the runs and the table ------------------------------------------------------------------------------

const systems = [
  ["stock", "stock automerge-repo-sync-server 0.2.8", stock],
  ["sqlite", "Tovholder, SQLite", () => tovholder("sqlite")],
  ["postgres", "Tovholder, PostgreSQL", () => tovholder("postgres")],
]
  .filter(([key]) => ONLY.includes(key))
  .map(([, name, measureSystem]) => [name, measureSystem]);

const runs = systems.map(() => []);
for (let run = 1; run <= RUNS; run++) {
  for (const [n, [name, measureSystem]] of systems.entries()) {
    console.error(`side-by-side: run ${run} of ${RUNS}, ${name}`);
    const result = await measureSystem();
    runs[n].push(result);
    console.error(`  ${JSON.stringify(result)}`);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const figures = runs.map((results) => ({
  upload: median(results.map((r) => r.upload.seconds)),
  uploadCpu: median(results.map((r) => r.upload.cpu)),
  uploadBytes: median(results.map((r) => r.upload.bytes)),
  uploadClientCpu: median(results.map((r) => r.upload.clientCpu)),
  download: median(results.map((r) => r.download.seconds)),
  downloadCpu: median(results.map((r) => r.download.cpu)),
  downloadBytes: median(results.map((r) => r.download.bytes)),
  downloadClientCpu: median(results.map((r) => r.download.clientCpu)),
  rss: median(results.map((r) => r.rss)),
}));

const rows = [
  ["upload, until all stored", "upload", (v) => `${v.toFixed(2)} s`],
  ["server CPU, upload", "uploadCpu", (v) => `${v.toFixed(2)} s`],
  ["bytes on the wire, upload", "uploadBytes", (v) => `${(v / 1e6).toFixed(2)} MB`],
  ["client CPU, upload", "uploadClientCpu", (v) => `${v.toFixed(2)} s`],
  ["fresh device downloads all (server restarted)", "download", (v) => `${v.toFixed(2)} s`],
  ["server CPU, download", "downloadCpu", (v) => `${v.toFixed(2)} s`],
  ["bytes on the wire, download", "downloadBytes", (v) => `${(v / 1e6).toFixed(2)} MB`],
  ["client CPU, download", "downloadClientCpu", (v) => `${v.toFixed(2)} s`],
  ["server peak RSS", "rss", (v) => `${v.toFixed(0)} MiB`],
];
// The ratios are stock / Tovholder when the stock server was measured (first column), so > 1 favours Tovholder.
const ratios = ONLY.includes("stock") ? systems.slice(1).map(([name], n) => [`stock / ${name.split(", ")[1]}`, figures[n + 1]]) : [];
console.log();
const notes = NOTE_SENTENCES > 0 ? `visit notes of ${NOTE_SENTENCES} sentences` : "short visit notes";
console.log(`${CASES} cases (a case and two contacts with ORS, SRS and ${notes}: 3 changes each), median of ${RUNS} run(s)`);
console.log();
console.log(`| figure | ${[...systems.map(([name]) => name), ...ratios.map(([name]) => name)].join(" | ")} |`);
console.log(`|---|${[...systems, ...ratios].map(() => "---|").join("")}`);
for (const [label, key, show] of rows) {
  const cells = [...figures.map((f) => show(f[key])), ...ratios.map(([, f]) => `${(figures[0][key] / f[key]).toFixed(2)}×`)];
  console.log(`| ${label} | ${cells.join(" | ")} |`);
}
console.log();
console.log(`automerge's own sync messages for the upload, in memory, both ways: ${(floorBytes / 1e6).toFixed(2)} MB`);
// Issue 13's targets, per 1,000 cases.
const per1000 = 1000 / CASES;
for (const [n, [name]] of systems.entries()) {
  if (!name.startsWith("Tovholder")) continue;
  const f = figures[n];
  const checks = [
    [`upload ≤ 1 s`, f.upload * per1000 <= 1],
    ...(ONLY.includes("stock") ? [[`upload ≥ 5× faster than stock`, figures[0].upload / f.upload >= 5]] : []),
    [`server CPU ≤ 0.35 s`, f.uploadCpu * per1000 <= 0.35],
    [`fresh download ≤ 0.5 s`, f.download * per1000 <= 0.5],
    [`upload bytes ≤ automerge's own sync messages`, f.uploadBytes <= floorBytes],
  ];
  console.log(`${name}: ${checks.map(([target, met]) => `${target} ${met ? "met" : "NOT met"}`).join("; ")}`);
}
rmSync(work, { recursive: true, force: true });
