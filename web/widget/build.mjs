// Bundles src/ + socket.io-client into one self-contained IIFE: dist/shopdesk-widget.js.
//   npm run build           -> minified bundle (committed, so running the store needs no Node)
//   node build.mjs --tests  -> compiles test/*.test.ts to .test-build/ and runs node --test
import { build } from "esbuild";
import { readdirSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";

const common = { bundle: true, target: ["es2019", "chrome90", "firefox88", "safari14"], logLevel: "info" };

if (process.argv.includes("--tests")) {
  rmSync(".test-build", { recursive: true, force: true });
  const entries = readdirSync("test").filter((f) => f.endsWith(".test.ts")).map((f) => `test/${f}`);
  await build({ ...common, entryPoints: entries, outdir: ".test-build", platform: "node", format: "esm", outExtension: { ".js": ".mjs" }, target: "node20", logLevel: "warning" });
  const run = spawnSync(process.execPath, ["--test", ".test-build/"], { stdio: "inherit" });
  process.exit(run.status ?? 1);
}

await build({
  ...common,
  entryPoints: ["src/index.ts"],
  outfile: "dist/shopdesk-widget.js",
  format: "iife",
  platform: "browser",
  minify: true,
  sourcemap: false,
  legalComments: "eof",
  banner: { js: "/*! Shopdesk chat widget - built from web/widget/src by `npm run build`; do not edit */" },
});
