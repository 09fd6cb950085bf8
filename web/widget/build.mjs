// Bundles src/ + socket.io-client into one self-contained IIFE: dist/shopdesk-widget.js.
//   npm run build           -> minified bundle (committed, so running the store needs no Node)
//   node build.mjs --tests  -> compiles test/*.test.ts to .test-build/ and runs node --test
//   node build.mjs --check  -> fails if the committed bundle is not what the sources build to
import { build } from "esbuild";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";

const common = { bundle: true, target: ["es2019", "chrome90", "firefox88", "safari14"], logLevel: "info" };

if (process.argv.includes("--tests")) {
  rmSync(".test-build", { recursive: true, force: true });
  const entries = readdirSync("test").filter((f) => f.endsWith(".test.ts")).map((f) => `test/${f}`);
  await build({ ...common, entryPoints: entries, outdir: ".test-build", platform: "node", format: "esm", outExtension: { ".js": ".mjs" }, target: "node20", logLevel: "warning" });
  const run = spawnSync(process.execPath, ["--test", ".test-build/"], { stdio: "inherit" });
  process.exit(run.status ?? 1);
}

const OUTFILE = "dist/shopdesk-widget.js";
const check = process.argv.includes("--check");
const result = await build({
  ...common,
  write: !check,
  entryPoints: ["src/index.ts"],
  outfile: OUTFILE,
  format: "iife",
  platform: "browser",
  minify: true,
  sourcemap: false,
  legalComments: "eof",
  banner: { js: "/*! Shopdesk chat widget - built from web/widget/src by `npm run build`; do not edit */" },
});

if (check) {
  const built = result.outputFiles[0].text;
  const committed = readFileSync(OUTFILE, "utf8");
  if (built !== committed) {
    console.error(`${OUTFILE} is out of date: run \`npm run build\` and commit it`);
    process.exit(1);
  }
  console.log(`${OUTFILE} is up to date`);
}
