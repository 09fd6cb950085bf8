/// <reference types="node" />
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, DEFAULTS, configFromDataset, parseConfig } from "../src/config";

test("defaults fill in a missing config", () => {
  assert.deepEqual(parseConfig(undefined), { ...DEFAULTS, serverUrl: "http://127.0.0.1:5005" });
});

test("server URL is reduced to its origin; non-http rejected", () => {
  assert.equal(parseConfig({ serverUrl: "https://bot.example.com/some/path" }).serverUrl, "https://bot.example.com");
  assert.throws(() => parseConfig({ serverUrl: "javascript:alert(1)" }), ConfigError);
  assert.throws(() => parseConfig({ serverUrl: "not a url" }), /serverUrl/);
});

test("colours must be hex so they cannot inject CSS", () => {
  assert.equal(parseConfig({ colors: { primary: "#0a0" } }).colors.primary, "#0a0");
  assert.throws(() => parseConfig({ colors: { primary: "red;} * {display:none" } }), /colors.primary/);
});

test("a malformed identity token is dropped, a JWT-shaped one kept", () => {
  assert.equal(parseConfig({ identityToken: "<script>" }).identityToken, null);
  assert.equal(parseConfig({ identityToken: "aaa.bbb.ccc" }).identityToken, "aaa.bbb.ccc");
});

test("wrong types name the key", () => {
  assert.throws(() => parseConfig({ title: 42 }), /"title"/);
  assert.throws(() => parseConfig({ position: "top" }), /position/);
});

test("script data attributes map onto the config", () => {
  const config = parseConfig(
    configFromDataset({ serverUrl: "http://localhost:5005", title: "Help", primaryColor: "#111111", openOnLoad: "true" }),
  );
  assert.equal(config.title, "Help");
  assert.equal(config.colors.primary, "#111111");
  assert.equal(config.openOnLoad, true);
});

test("link domains: carriers by default, a list or comma-separated string, names only", () => {
  assert.ok(parseConfig({}).linkDomains.includes("ups.com"));
  assert.deepEqual(parseConfig({ linkDomains: ["Shop.Example", "dhl.com"] }).linkDomains, ["shop.example", "dhl.com"]);
  assert.deepEqual(parseConfig(configFromDataset({ linkDomains: "a.example, b.example" })).linkDomains, ["a.example", "b.example"]);
  assert.throws(() => parseConfig({ linkDomains: "https://x.example/" }), /linkDomains/);
  assert.throws(() => parseConfig({ linkDomains: [42] }), /linkDomains/);
  assert.throws(() => parseConfig({ linkDomains: { a: 1 } }), /linkDomains/);
});
