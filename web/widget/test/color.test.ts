/// <reference types="node" />
import { test } from "node:test";
import assert from "node:assert/strict";
import { DARK_TEXT, LIGHT_TEXT, accessibleAccent, contrastRatio, readableTextOn } from "../src/color";
import { DEFAULTS } from "../src/config";

test("contrast ratio matches WCAG reference values", () => {
  assert.equal(Math.round(contrastRatio("#000000", "#ffffff")), 21);
  assert.equal(contrastRatio("#777777", "#777777"), 1);
});

test("text colour on the primary colour is always readable", () => {
  assert.equal(readableTextOn("#ffeb3b"), DARK_TEXT);
  assert.equal(readableTextOn("#777777"), "#000000");
  assert.equal(readableTextOn("#1d4ed8"), LIGHT_TEXT);
  for (const bg of ["#ffeb3b", "#1d4ed8", "#777777", "#00ff00", "#880000"]) {
    assert.ok(contrastRatio(bg, readableTextOn(bg)) >= 4.5, bg);
  }
});

test("default theme reaches AA contrast", () => {
  const { primary, background } = DEFAULTS.colors;
  assert.ok(contrastRatio(primary, readableTextOn(primary)) >= 4.5);
  assert.ok(contrastRatio(accessibleAccent(primary, background), background) >= 4.5);
});

test("a pale accent falls back to a dark one on white", () => {
  assert.ok(contrastRatio(accessibleAccent("#ffeb3b", "#ffffff"), "#ffffff") >= 4.5);
});
